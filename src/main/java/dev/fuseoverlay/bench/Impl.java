package dev.fuseoverlay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One implementation under test and how to mount it on the benchmark's layers with a fresh upper and work
 * directory. The native directory mounts nothing: read-only workloads use the merged tree directly, write
 * workloads a fresh copy of it.
 */
final class Impl {
    enum Kind { NATIVE, KERNEL, FUSE_OVERLAYFS, UNIONFS, FUSE_OVERLAY }

    /** A live mount (or native directory) for one run. */
    record Mounted(Impl impl, Path root, Path scratch, long pid, double mountSeconds, String command) {
        boolean mounted() {
            return impl.kind != Kind.NATIVE;
        }
    }

    static final String BASELINE = "fuse-overlay-baseline";
    static final String URING = "fuse-overlay-uring", URING_RT = "fuse-overlay-uring-rt";
    /** The fuse module's switch for FUSE over io_uring (N unless an administrator sets it). */
    static Path uringSwitch = Path.of("/sys/module/fuse/parameters/enable_uring");

    final String name;
    final Kind kind;
    final String binary;
    String version = "";
    String unavailable;      // null when usable

    /** Appended to the -o options of a mount (fuse-overlay's engine=). */
    String extraOptions = "";

    Impl(String name, Kind kind, String binary) {
        this.name = name;
        this.kind = kind;
        this.binary = binary;
    }

    /** Every implementation; {@code baseline} (null: none) is a second fuse-overlay launcher, an earlier build. */
    static List<Impl> all(String fuseOverlayLauncher, String baseline) {
        List<Impl> l = new ArrayList<>();
        l.add(new Impl("native", Kind.NATIVE, null));
        l.add(new Impl("kernel", Kind.KERNEL, "mount"));
        l.add(new Impl("fuse-overlayfs", Kind.FUSE_OVERLAYFS, "fuse-overlayfs"));
        l.add(new Impl("unionfs-fuse", Kind.UNIONFS, "unionfs"));
        l.add(new Impl("fuse-overlay", Kind.FUSE_OVERLAY, fuseOverlayLauncher));
        Impl libfuse = new Impl("fuse-overlay-libfuse", Kind.FUSE_OVERLAY, fuseOverlayLauncher);
        libfuse.extraOptions = ",engine=libfuse"; // the launcher's other engine (the default as root is devfuse)
        l.add(libfuse);
        Impl uring = new Impl(URING, Kind.FUSE_OVERLAY, fuseOverlayLauncher);
        uring.extraOptions = ",uring=on"; // FUSE over io_uring: measured only where the kernel offers it
        l.add(uring);
        Impl rt = new Impl(URING_RT, Kind.FUSE_OVERLAY, fuseOverlayLauncher);
        rt.extraOptions = ",uring=rt"; // the same, its queue threads at real-time priority
        l.add(rt);
        if (baseline != null) {
            l.add(new Impl(BASELINE, Kind.FUSE_OVERLAY, baseline));
        }
        return l;
    }

    boolean fuse() {
        return kind == Kind.FUSE_OVERLAYFS || kind == Kind.UNIONFS || kind == Kind.FUSE_OVERLAY;
    }

    /** Decides whether this implementation can run here, and finds its version. Never fakes one. */
    void probe(Path scratch, LayerBuilder.Layers layers) throws InterruptedException {
        try {
            switch (kind) {
                case NATIVE -> version = "directory on " + firstLine(Proc.run(List.of("stat", "-f", "-c", "%T", layers.dir().toString()), 10));
                case KERNEL -> {
                    version = "Linux " + firstLine(Proc.run(List.of("uname", "-r"), 10));
                    Path p = scratch.resolve("probe-kernel");
                    Proc.removeTree(p);
                    for (String d : new String[] {"l", "u", "w", "m"}) {
                        Files.createDirectories(p.resolve(d));
                    }
                    Proc.Result r = Proc.run(List.of("mount", "-t", "overlay", "overlay", "-o",
                            "lowerdir=" + p.resolve("l") + ",upperdir=" + p.resolve("u") + ",workdir=" + p.resolve("w"), p.resolve("m").toString()), 30);
                    if (!r.ok()) {
                        unavailable = "mount -t overlay failed: " + r.errTail();
                    } else {
                        Proc.run(List.of("umount", p.resolve("m").toString()), 30);
                    }
                    Proc.removeTree(p);
                }
                case FUSE_OVERLAYFS, UNIONFS -> {
                    Proc.Result w = Proc.run(List.of("sh", "-c", "command -v " + binary), 10);
                    if (!w.ok()) {
                        unavailable = binary + " not installed (Debian package " + (kind == Kind.UNIONFS ? "unionfs-fuse" : "fuse-overlayfs") + ")";
                        return;
                    }
                    String pkg = kind == Kind.UNIONFS ? "unionfs-fuse" : "fuse-overlayfs";
                    Proc.Result v = Proc.run(List.of("dpkg-query", "-W", "-f", "${Version}", pkg), 10);
                    version = v.ok() ? pkg + " " + v.outText().trim() : firstLine(Proc.run(List.of(binary, "--version"), 10));
                }
                case FUSE_OVERLAY -> {
                    if (!Files.isExecutable(Path.of(binary))) {
                        unavailable = binary + " not found";
                        return;
                    }
                    if (extraOptions.contains(",uring=") && !uringOffered()) {
                        unavailable = "the kernel does not offer FUSE over io_uring (" + uringSwitch
                                + " is not Y; as root: echo Y > " + uringSwitch + ")";
                        return;
                    }
                    Proc.Result v = Proc.run(List.of(binary, "--version"), 300);
                    if (!v.ok()) {
                        unavailable = binary + " --version failed: " + v.errTail();
                        return;
                    }
                    version = firstLine(v) + (extraOptions.isEmpty() ? "" : " (-o " + extraOptions.substring(1) + ")");
                    Path repo = Path.of(binary).toAbsolutePath().getParent();
                    Proc.Result g = Proc.run(List.of("git", "-C", repo.toString(), "describe", "--always", "--dirty"), 10);
                    if (g.ok()) {
                        version += " (" + g.outText().trim() + ")";
                    }
                }
            }
        } catch (IOException e) {
            unavailable = e.getMessage();
        }
    }

    static boolean uringOffered() {
        try {
            return Files.readString(uringSwitch).trim().equals("Y");
        } catch (IOException e) {
            return false; // a kernel without it
        }
    }

    private static String firstLine(Proc.Result r) {
        String s = r.outText().isBlank() ? r.err() : r.outText();
        return s.strip().split("\n")[0].trim();
    }

    /**
     * Mounts on {@code run/mnt} with {@code run/upper} and {@code run/work}; for the native directory, returns
     * the merged tree itself ({@code copy} false) or a fresh copy of it in {@code run/mnt}.
     */
    Mounted mount(Path run, LayerBuilder.Layers layers, boolean copy) throws IOException, InterruptedException {
        Files.createDirectories(run);
        Path mnt = run.resolve("mnt");
        if (kind == Kind.NATIVE) {
            if (!copy) {
                return new Mounted(this, layers.nativeTree(), run, 0, Double.NaN, "");
            }
            // a fresh copy of the merged tree, except the large read-only files, which are hard-linked: no write
            // workload touches big/, and copying a gigabyte per run would dominate a full run
            Files.createDirectories(mnt);
            List<String> cp = new ArrayList<>(List.of("cp", "-a"));
            try (var entries = Files.list(layers.nativeTree())) {
                entries.filter(p -> !p.getFileName().toString().equals("big")).sorted().forEach(p -> cp.add(p.toString()));
            }
            cp.add(mnt + "/");
            Proc.check(cp, null, 3600);
            Path big = layers.nativeTree().resolve("big");
            if (Files.isDirectory(big)) {
                Proc.check(List.of("cp", "-al", big.toString(), mnt + "/"), null, 3600);
            }
            return new Mounted(this, mnt, run, 0, Double.NaN, "cp -a (big/ hard-linked)");
        }
        Path upper = run.resolve("upper");
        Path work = run.resolve("work");
        for (Path d : new Path[] {upper, work, mnt}) {
            Files.createDirectories(d);
        }
        String lower = layers.lowerdir();
        List<String> cmd = switch (kind) {
            case KERNEL -> List.of("mount", "-t", "overlay", "overlay", "-o",
                    "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work, mnt.toString());
            case FUSE_OVERLAYFS, FUSE_OVERLAY -> List.of(binary, "-o",
                    "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + extraOptions, mnt.toString());
            case UNIONFS -> List.of(binary, "-o", "cow,hide_meta_files,allow_other,suid,dev",
                    upper + "=RW:" + layers.top() + "=RO:" + layers.bottom() + "=RO", mnt.toString());
            default -> throw new IllegalStateException();
        };
        long t0 = System.nanoTime();
        Proc.Result r = Proc.run(cmd, null, null, 120);
        if (!r.ok()) {
            throw new IOException("mount failed: " + String.join(" ", cmd) + ": " + (r.timedOut() ? "timed out" : "exit " + r.rc()) + ": " + r.errTail());
        }
        String want = kind == Kind.KERNEL ? "overlay" : "fuse";
        String t;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while ((t = Proc.mountedType(mnt.toString())) == null || !t.startsWith(want)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("mount command returned but " + mnt + " is not mounted (" + t + ")");
            }
            Thread.sleep(1);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long pid = 0;
        if (fuse()) {
            List<Long> pids = Proc.pidsWithArg(mnt.toString());
            if (pids.size() == 1) {
                pid = pids.get(0);
            } else {
                for (long p : pids) {
                    if (kind != Kind.FUSE_OVERLAY || Proc.cmdline(p).contains("--serve")) {
                        pid = p;
                    }
                }
            }
        }
        return new Mounted(this, mnt, run, pid, secs, String.join(" ", cmd));
    }

    /** Unmounts (for FUSE: fusermount3 -u, then waits for the server to exit); returns the command's seconds. */
    double unmount(Mounted m) throws IOException, InterruptedException {
        if (!m.mounted()) {
            return Double.NaN;
        }
        String mnt = m.root().toString();
        List<String> cmd = fuse() ? List.of("fusermount3", "-u", mnt) : List.of("umount", mnt);
        Proc.Result r = Proc.run(cmd, null, null, 120);
        double secs = r.seconds();
        if (!r.ok() && Proc.mountedType(mnt) == null) {
            return secs;   // unmounted meanwhile by the other party (the run and the Ctrl-C clean-up can race)
        }
        if (!r.ok() || Proc.mountedType(mnt) != null) {
            // busy or hung: detach it (the private namespace keeps this from the rest of the machine)
            Proc.run(List.of("umount", "-l", mnt), null, null, 60);
            secs = Double.NaN;
        }
        if (m.pid() > 0) {
            boolean gone = ProcessHandle.of(m.pid()).map(h -> {
                try {
                    h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }).orElse(true);
            if (!gone) {
                Proc.kill(m.pid(), 2000);
            }
        }
        if (Double.isNaN(secs)) {
            throw new IOException("unmount of " + mnt + " failed: " + r.errTail());
        }
        return secs;
    }
}
