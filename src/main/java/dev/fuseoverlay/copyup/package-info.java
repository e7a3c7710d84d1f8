/**
 * Copy-up of lower objects into the upper layer, built in work/ and put in place in one step: regular files
 * unnamed (O_TMPFILE) and linked, the rest named and renamed ({@link dev.fuseoverlay.copyup.CopyUp}).
 */
package dev.fuseoverlay.copyup;
