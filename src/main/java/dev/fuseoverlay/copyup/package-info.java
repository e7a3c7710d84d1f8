/** Copy-up of lower objects into the upper layer, built in work/ and renamed in ({@link dev.fuseoverlay.copyup.CopyUp}). */
package dev.fuseoverlay.copyup;
