package dev.fuseoverlay.runtime;

import dev.fuseoverlay.fuse.Mounter;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The inside of {@code runtime run}: in the new user, mount and pid namespaces, serve the overlay with
 * FUSE in this process, start the container with bwrap on the merged view, pass signals on to the
 * command, and when it ends unmount (and with --rm delete the container's upper).
 */
final class ContainerRun {
    /** Where bwrap puts the merged view in its own mount namespace, before unshare --root enters it. */
    private static final String NEWROOT = "/newroot";

    private final Properties spec;
    private volatile ProcessHandle bwrap;

    ContainerRun(Properties spec) {
        this.spec = spec;
    }

    int run() throws Exception {
        String merged = spec.getProperty("merged");
        MountOptions o = new MountOptions();
        o.lowerDirs.addAll(Spec.getList(spec, "lower"));
        o.upperDir = spec.getProperty("upper");
        o.workDir = spec.getProperty("work");
        RealFs fs = new RealFs(null);
        String mnt;
        Thread server;
        try {
            Files.createDirectories(Path.of(merged));
            LayerStack layers = LayerStack.open(o, merged, fs);
            mnt = Native.C.realpath(Native.cstr(merged), null);
            Mounter.checkMachine();
            Overlay ov = Overlay.open(layers, fs, o.fsync, o.userXattr);
            CountDownLatch ready = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            server = new Thread(() -> {
                try {
                    Mounter.serve(ov, o, mnt, null, ready::countDown);
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    ready.countDown();
                }
            }, "fuse-server");
            server.setDaemon(true);
            server.start();
            ready.await();
            if (failure.get() != null) {
                throw new RuntimeException125("cannot mount the container's root: " + failure.get().getMessage());
            }
        } catch (OptionsException | ErrnoException e) {
            throw new RuntimeException125("cannot mount the container's root: " + e.getMessage());
        }
        int code;
        try {
            code = runContainer(mnt);
        } finally {
            unmount(mnt, server);
        }
        if (Boolean.parseBoolean(spec.getProperty("rm"))) {
            RealFs plain = new RealFs(null); // fs resolves layer paths against its open layer roots
            for (String dir : Spec.getList(spec, "remove")) {
                try {
                    plain.removeTree(dir);
                } catch (ErrnoException e) {
                    System.err.println("runtime: --rm: " + e.getMessage());
                }
            }
        }
        return code;
    }

    private int runContainer(String mnt) throws Exception {
        Path root = Path.of(mnt);
        ContainerUser user = ContainerUser.resolve(spec.getProperty("user"), root);
        String workdir = spec.getProperty("workdir", "/");
        makeWorkdir(mnt, workdir);
        List<String> cmd = bwrapCommand(root, user, workdir);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        Process p = pb.start();
        bwrap = p.toHandle();
        Signals.install(this::forward, false);
        return p.waitFor();
    }

    /**
     * Makes the working directory (missing directories 0755) inside the container's root, its symlinks
     * resolved as the container resolves them, an absolute one from the container's root (openat2
     * RESOLVE_IN_ROOT, RealFs.openInRoot): an image's {@code /srv -> /home/u} with {@code -w /srv/new} makes
     * the image's /home/u/new, never the host's. A symlink to a missing directory is not followed into being.
     */
    static void makeWorkdir(String root, String workdir) {
        int rootFd = Native.C.open(Native.cstr(root), Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (rootFd < 0) {
            throw new RuntimeException125("cannot open the container's root " + root + ": " + Native.strerror(Native.errno()));
        }
        try {
            StringBuilder at = new StringBuilder();
            for (String part : workdir.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                String parent = at.length() == 0 ? "." : at.toString();
                at.append(at.length() == 0 ? "" : "/").append(part);
                int fd = openInRoot(rootFd, at.toString());
                int err = fd < 0 ? Native.errno() : 0;
                if (err == Errno.ENOENT) {
                    int dir = openInRoot(rootFd, parent);
                    if (dir >= 0) {
                        int made = Native.C.mkdirat(dir, Native.cstr(part), 0755);
                        int mkdirErr = made < 0 ? Native.errno() : 0;
                        Native.C.close(dir);
                        fd = openInRoot(rootFd, at.toString());
                        err = fd >= 0 ? 0 : mkdirErr != 0 && mkdirErr != Errno.EEXIST ? mkdirErr : Native.errno();
                    }
                }
                if (fd < 0) {
                    throw new RuntimeException125("cannot create the working directory " + workdir + ": /" + at + ": "
                            + Native.strerror(err));
                }
                Native.C.close(fd);
            }
        } finally {
            Native.C.close(rootFd);
        }
    }

    /** An O_PATH descriptor of a directory, the path resolved with {@code rootFd} as "/"; -1 and errno if not. */
    private static int openInRoot(int rootFd, String rel) {
        return RealFs.openInRoot(rootFd, rel, Native.O_PATH | Native.O_DIRECTORY);
    }

    List<String> bwrapCommand(Path root, ContainerUser user, String workdir) {
        String hostname = spec.getProperty("hostname");
        List<String> c = new ArrayList<>(List.of(tool("bwrap"), "--die-with-parent",
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", hostname));
        if ("none".equals(spec.getProperty("net"))) {
            c.add("--unshare-net");
        }
        // The host's programs that finish the entry (sh, setsid, unshare) run from its /usr, read-only,
        // in bwrap's own mount namespace; the container sees only NEWROOT.
        c.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String d : List.of("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")) {
            Path p = Path.of(d);
            if (Files.isSymbolicLink(p)) {
                try {
                    c.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), d));
                } catch (IOException e) {
                    // skip it
                }
            } else if (Files.isDirectory(p)) {
                c.addAll(List.of("--ro-bind", d, d));
            }
        }
        if (Files.exists(Path.of("/etc/ld.so.cache"))) {
            c.addAll(List.of("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"));
        }
        c.addAll(List.of("--bind", root.toString(), NEWROOT,
                "--proc", NEWROOT + "/proc",
                "--dev", NEWROOT + "/dev",
                "--perms", "1777", "--tmpfs", NEWROOT + "/tmp"));
        Path resolv = root.resolve("etc/resolv.conf");
        if (Files.exists(Path.of("/etc/resolv.conf")) && Files.isDirectory(root.resolve("etc"), LinkOption.NOFOLLOW_LINKS)
                && !Files.isSymbolicLink(resolv)) {
            c.addAll(List.of("--ro-bind", "/etc/resolv.conf", NEWROOT + "/etc/resolv.conf"));
        }
        c.add("--clearenv");
        for (String kv : environment(user)) {
            int eq = kv.indexOf('=');
            c.addAll(List.of("--setenv", kv.substring(0, eq), kv.substring(eq + 1)));
        }
        c.addAll(List.of("--", tool("sh"), "-c", "umask 022 && exec \"$@\"", "sh"));
        if (Boolean.parseBoolean(spec.getProperty("tty"))) {
            c.addAll(List.of(tool("setsid"), "--ctty"));
        }
        // Groups first (setpriv, while still root), then chroot, chdir and the user ID (unshare).
        c.addAll(List.of(tool("setpriv"), "--regid=" + user.gid(), "--groups="
                + user.groups().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")), "--"));
        c.addAll(List.of(tool("unshare"), "--root=" + NEWROOT, "--wd=" + workdir, "--setuid", Integer.toString(user.uid()), "--"));
        List<String> args = Spec.getList(spec, "arg");
        c.addAll(args.isEmpty() ? List.of("/bin/sh") : args);
        return c;
    }

    List<String> environment(ContainerUser user) {
        List<String> env = new ArrayList<>();
        env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.add("HOSTNAME=" + spec.getProperty("hostname"));
        env.add("HOME=" + user.home());
        env.add("container=fuse-overlay");
        if (Boolean.parseBoolean(spec.getProperty("tty"))) {
            env.add("TERM=" + spec.getProperty("term", "xterm"));
        }
        for (String kv : Spec.getList(spec, "env")) {
            String key = kv.substring(0, kv.indexOf('='));
            env.removeIf(e -> e.startsWith(key + "="));
            env.add(kv);
        }
        return env;
    }

    /** The host program's path, for use in bwrap's namespace (which has the host's /usr). */
    private static String tool(String name) {
        String p = Preflight.which(name);
        if (p == null) {
            throw new RuntimeException125(name + " not found");
        }
        return p;
    }

    /**
     * Passes a signal to the command: bwrap's reaper is the container's pid 1 and the command its child.
     * Before the command exists the signal goes to bwrap, which ends the container.
     */
    private void forward(int sig) {
        ProcessHandle b = bwrap;
        if (b == null) {
            if (sig == Posix.SIGINT || sig == Posix.SIGTERM || sig == Posix.SIGHUP) {
                System.exit(128 + sig);
            }
            return;
        }
        Optional<ProcessHandle> cmd = b.children().findFirst().flatMap(init -> init.children().findFirst());
        int target = cmd.map(h -> (int) h.pid()).orElse((int) b.pid());
        Posix.C.kill(target, sig);
    }

    private static void unmount(String mnt, Thread server) {
        if (Posix.C.umount2(mnt, 0) != 0) {
            Posix.C.umount2(mnt, Posix.MNT_DETACH);
        }
        try {
            server.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
