/**
 * The rootless container launcher ({@code ./runtime}): layers in, a running container out, for an ordinary
 * user, with fuse-overlay as the container's root filesystem.
 *
 * <p>How a run is put together (outside = the user's own JVM, inside = a second JVM in new namespaces):
 * <pre>
 * runtime (outside: checks, layer store, locks, pty relay, signal proxy)
 *   setsid setpriv --pdeathsig KILL unshare --user --map-root-user --map-auto --mount --pid --fork --kill-child --mount-proc
 *     java ... RuntimeMain --inside (pid 1 of its own pid namespace, root of the new user namespace)
 *       serves the overlay with FUSE in-process, mounted on the container's merged/ (private mount namespace)
 *       bwrap --unshare-pid/ipc/uts[/net] --dev --proc --tmpfs  (a child mount namespace: pivot_root is safe there)
 *         sh -c 'umask 022; exec ...'  [setsid --ctty]  setpriv --regid=G --groups=...  unshare --root=MERGED --wd=DIR --setuid U
 *           the command (pid 2 of the container; bwrap's reaper is pid 1)
 * </pre>
 * A JVM cannot unshare its own user namespace (it is multithreaded), hence the re-exec. Nothing of a run is
 * ever visible in the host's mount table, and when the inside JVM ends for any reason the kernel kills every
 * process of its pid namespace and drops its mount namespace: no mount and no process can be left behind.
 * Files in layers and uppers belong to the user's subordinate IDs, so every change to them (import, commit,
 * rm) is made inside a user namespace too.
 */
package dev.fuseoverlay.runtime;
