package dev.fuseoverlay.fuse;

import dev.fuseoverlay.fuse.direct.DevFuse;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Mounts an {@link Overlay} with libfuse 2 through jnr-fuse and serves it until it is unmounted.
 * jnr-fuse's own non-blocking mount reports success after 2 s even when the mount failed, so the loop runs
 * blocking in a thread of ours and readiness is the {@code init} callback confirmed in /proc/self/mountinfo.
 */
public final class Mounter {
    private Mounter() {}

    /**
     * Builds the libfuse adapter and loads the /dev/fuse engine's classes without mounting (the launcher's
     * class-data-sharing training).
     */
    public static void loadClasses(Overlay ov) {
        new FuseAdapter(ov, null, () -> { });
        for (String c : new String[] {"DevFuse", "Wire", "Nodes"}) {
            try {
                Class.forName("dev.fuseoverlay.fuse.direct." + c, false, Mounter.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Checks what a mount needs from the machine, each failure one line naming the fix. */
    public static void checkMachine() {
        int fd = Native.C.open(Native.cstr("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            int e = Native.errno();
            throw new OptionsException("cannot open /dev/fuse: " + Native.strerror(e)
                    + (e == 2 ? " (load the fuse module: modprobe fuse; in a container pass --device /dev/fuse)"
                              : " (it must be a character device 10:229 readable and writable by this user)"));
        }
        try {
            Pointer buf = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
            Native.C.fstat(fd, buf);
            int mode = buf.getInt(Stat.OFF_MODE);
            long rdev = buf.getLong(40);
            if ((mode & Stat.S_IFMT) != Stat.S_IFCHR
                    || Stat.major(rdev) != 10 || Stat.minor(rdev) != 229) {
                throw new OptionsException("/dev/fuse is not the FUSE device (expected character device 10:229)");
            }
        } finally {
            Native.C.close(fd);
        }
    }

    /**
     * The engine a mount asks for: {@code -o engine=}, else {@code $FUSE_OVERLAY_ENGINE} (so a whole test
     * suite, or the runtime, can run on one engine), else "auto": devfuse where mount(2) is allowed (root, or
     * root of a user namespace), libfuse (through fusermount3) for a plain user.
     */
    public static String engine(MountOptions o) {
        if (o.engine != null) {
            return o.engine;
        }
        String env = System.getenv("FUSE_OVERLAY_ENGINE");
        if (env == null || env.isEmpty()) {
            return "auto";
        }
        try {
            return MountOptions.parse(List.of("engine=" + env)).engine;
        } catch (OptionsException e) {
            throw new OptionsException("FUSE_OVERLAY_ENGINE: " + e.getMessage());
        }
    }

    /** The libfuse options for a mount: kernel caching, big writes, our inode numbers, the caller's generic options. */
    static List<String> fuseOptions(MountOptions o, boolean root) {
        List<String> f = new ArrayList<>();
        // libfuse splits its options at commas and takes a backslash as an escape: a name keeps both
        f.add("fsname=" + (o.fsname != null ? o.fsname.replace("\\", "\\\\").replace(",", "\\,") : "fuse-overlay"));
        f.add("subtype=fuse-overlay");
        f.add("use_ino");
        f.add("nonempty");
        f.add("big_writes");
        f.add("auto_cache");
        String t = trimNumber(o.timeout);
        f.add("entry_timeout=" + t);
        f.add("negative_timeout=" + t);
        f.add("attr_timeout=" + trimNumber(o.attrTimeout));
        if (o.defaultPermissions) {
            f.add("default_permissions");
        }
        if (o.allowOther || root) {
            f.add("allow_other"); // as root, like the kernel's overlay: every user of the machine sees the mount
        } else if (o.allowRoot) {
            f.add("allow_root");
        }
        if (o.isReadOnly()) {
            f.add("ro");
        }
        if (root) {
            f.add(o.noDev ? "nodev" : "dev");
            f.add(o.noSuid ? "nosuid" : "suid");
        } else {
            if (o.noDev) {
                f.add("nodev");
            }
            if (o.noSuid) {
                f.add("nosuid");
            }
        }
        if (o.noExec) {
            f.add("noexec");
        }
        return f;
    }

    private static String trimNumber(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /**
     * Mounts and serves until unmounted. {@code ready} runs once the mount is live.
     *
     * @return 0 after a clean unmount
     */
    public static int serve(Overlay ov, MountOptions o, String mountPoint, PrintStream debug, Runnable ready)
            throws InterruptedException {
        String engine = engine(o);
        if (!engine.equals("libfuse")) {
            DevFuse f = DevFuse.mount(ov, o, mountPoint, debug, o.threads, engine.equals("auto"));
            if (f != null) {
                return serveDevFuse(f, o, mountPoint, ready);
            }
        }
        if (!o.devfuseOnly.isEmpty()) {
            System.err.println("fuse-overlay: " + String.join(",", o.devfuseOnly)
                    + ": options of the devfuse engine, ignored by the libfuse engine");
        }
        CountDownLatch init = new CountDownLatch(1);
        FuseAdapter fuse;
        try {
            fuse = new FuseAdapter(ov, debug, init::countDown);
        } catch (LinkageError | RuntimeException e) {
            throw new OptionsException("cannot load libfuse.so.2 (" + e.getMessage()
                    + "): install the Debian package libfuse2 (apt-get install libfuse2)");
        }
        String opts = String.join(",", fuseOptions(o, Native.C.geteuid() == 0));
        Throwable[] failure = new Throwable[1];
        CountDownLatch done = new CountDownLatch(1);
        Thread loop = new Thread(() -> {
            try {
                fuse.mount(Paths.get(mountPoint), true, debug != null, new String[] {"-s", "-o", opts});
            } catch (Throwable t) {
                failure[0] = t;
            } finally {
                done.countDown();
            }
        }, "fuse-loop");
        loop.start();
        while (init.getCount() > 0 && done.getCount() > 0) {
            init.await(20, TimeUnit.MILLISECONDS);
        }
        if (init.getCount() > 0) {
            throw new OptionsException("mount on " + mountPoint + " failed"
                    + (failure[0] != null ? ": " + failure[0].getMessage() : " (see the libfuse message above)"));
        }
        for (int i = 0; i < 500 && !isMounted(mountPoint); i++) {
            Thread.sleep(2);
        }
        Process watcher = o.autoUnmount ? startUnmountWatcher(mountPoint) : null;
        ready.run();
        done.await();
        if (watcher != null) {
            try (var w = watcher.getOutputStream()) {
                w.write("done\n".getBytes(StandardCharsets.US_ASCII)); // a clean unmount: nothing to clean up
            } catch (IOException ignored) {
                // it is gone already
            }
        }
        return 0;
    }

    /**
     * The /dev/fuse engine: mount(2) directly, serve with our own threads; SIGTERM, SIGINT and SIGHUP
     * unmount (lazily, as fusermount -u -z does) and the serve ends when the kernel lets go of the device.
     */
    private static int serveDevFuse(DevFuse f, MountOptions o, String mountPoint, Runnable ready)
            throws InterruptedException {
        for (String sig : new String[] {"TERM", "INT", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> f.unmount());
            } catch (IllegalArgumentException e) {
                // not available in this JVM: the default action ends the process, auto_unmount cleans up
            }
        }
        Process watcher = o.autoUnmount ? startUnmountWatcher(mountPoint) : null;
        ready.run();
        f.join();
        finishWatcher(watcher);
        return 0;
    }

    private static void finishWatcher(Process watcher) {
        if (watcher != null) {
            try (var w = watcher.getOutputStream()) {
                w.write("done\n".getBytes(StandardCharsets.US_ASCII)); // a clean unmount: nothing to clean up
            } catch (IOException ignored) {
                // it is gone already
            }
        }
    }

    /**
     * auto_unmount without fusermount (which would force nosuid,nodev on a root mount): a small shell holds
     * a pipe from this process; if the process dies without saying "done" (kill -9), the pipe closes and
     * the shell lazily unmounts the mountpoint, but only while the same FUSE mount (device number) is there,
     * so no "Transport endpoint is not connected" mountpoint is left behind and no later mount is touched.
     */
    private static Process startUnmountWatcher(String mountPoint) {
        String dev = deviceOf(mountPoint);
        if (dev == null) {
            return null;
        }
        // mountinfo, not findmnt -M: a dead FUSE mountpoint cannot be stat'ed (ENOTCONN)
        String script = "read -r line; [ \"$line\" = done ] && exit 0; "
                + "[ \"$(awk '$5 == ENVIRON[\"FO_MNT\"] { d = $3 } END { print d }' /proc/self/mountinfo)\" = \"$2\" ] "
                + "&& exec umount -l \"$1\"";
        try {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", script, "fuse-overlay-auto-unmount", mountPoint, dev)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("FO_MNT", escapeMountinfo(mountPoint)); // awk -v would undo mountinfo's \040 escapes
            return pb.start();
        } catch (IOException e) {
            System.err.println("fuse-overlay: auto_unmount unavailable: " + e.getMessage());
            return null;
        }
    }

    /** MAJ:MIN of the FUSE mount at exactly this path, from /proc/self/mountinfo, or null. */
    public static String deviceOf(String mountPoint) {
        String want = escapeMountinfo(mountPoint);
        String dev = null;
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(" ");
                int dash = line.indexOf(" - ");
                if (f.length > 4 && f[4].equals(want) && dash > 0 && line.substring(dash + 3).startsWith("fuse")) {
                    dev = f[2];
                }
            }
        } catch (IOException e) {
            return null;
        }
        return dev;
    }

    /** Whether a FUSE filesystem is mounted at exactly this path, per /proc/self/mountinfo. */
    public static boolean isMounted(String mountPoint) {
        return deviceOf(mountPoint) != null;
    }

    /** A path as /proc/self/mountinfo writes it (space, tab, newline and backslash as octal escapes). */
    public static String escapeMountinfo(String path) {
        StringBuilder sb = new StringBuilder();
        for (char c : path.toCharArray()) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
                sb.append(String.format("\\%03o", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
