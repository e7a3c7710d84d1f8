package dev.fuseoverlay.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the schedule: mounts each implementation afresh, runs the workload scripts, reads the filesystem
 * process's CPU and peak RSS, checks every write workload's merged tree against the others', unmounts.
 * Everything it mounts is recorded so that {@link #cleanup()} (also run by the shutdown hook on Ctrl-C) can
 * unmount it and end its servers by PID.
 */
final class Runner {
    private final Config cfg;
    private final LayerBuilder.Layers layers;
    private final Path scratch;
    private final PrintStream out;
    private final long timeoutSeconds;
    final List<Sample> samples = new ArrayList<>();
    private final Set<Impl.Mounted> active = ConcurrentHashMap.newKeySet();
    volatile boolean stopping;
    private int seq;

    Runner(Config cfg, LayerBuilder.Layers layers, Path scratch, PrintStream out, long timeoutSeconds) {
        this.cfg = cfg;
        this.layers = layers;
        this.scratch = scratch;
        this.out = out;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Runs everything; {@code afterWorkload} is called when a workload's last round is done (to save progress). */
    void run(List<Workload> workloads, List<Impl> impls, int rounds, Runnable afterWorkload) throws IOException, InterruptedException {
        Map<String, Impl> byName = new LinkedHashMap<>();
        impls.forEach(i -> byName.put(i.name, i));
        Map<String, Workload> wByName = new LinkedHashMap<>();
        workloads.forEach(w -> wByName.put(w.name(), w));
        List<Schedule.Slot> slots = Schedule.of(new ArrayList<>(wByName.keySet()), new ArrayList<>(byName.keySet()), rounds);
        Map<String, TreeDigest> digests = new HashMap<>();   // impl + variant -> tree, for the current workload round
        int width = impls.stream().mapToInt(i -> i.name.length()).max().orElse(0);
        int n = 0;
        for (Schedule.Slot slot : slots) {
            n++;
            if (stopping) {
                return;
            }
            Workload w = wByName.get(slot.workload());
            Impl impl = byName.get(slot.impl());
            if (w.name().equals(Workload.MOUNT) && impl.kind == Impl.Kind.NATIVE) {
                continue;   // nothing to mount
            }
            String head = String.format(Locale.ROOT, "[%3d/%d] %-12s round %d/%d  %-" + width + "s", n, slots.size(), w.name(), slot.round(), rounds, impl.name);
            List<Sample> got = new ArrayList<>();
            try {
                if (w.name().equals(Workload.MOUNT)) {
                    got.addAll(mountSlot(impl, slot.round()));
                } else if (w.sharedMount()) {
                    got.addAll(readSlot(w, impl, slot.round()));
                } else {
                    got.addAll(writeSlot(w, impl, slot.round(), digests));
                }
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                for (String v : w.variants()) {
                    if (got.stream().noneMatch(s -> s.variant.equals(v))) {
                        Sample s = new Sample(w.name(), v, impl.name, slot.round(), ++seq);
                        s.fail(e.getMessage());
                        got.add(s);
                    }
                }
            }
            samples.addAll(got);
            out.println(head + progress(got));
            boolean lastImpl = slot.impl().equals(impls.get(impls.size() - 1).name);
            if (lastImpl && w.writes()) {
                guard(w, slot.round(), digests);
                digests.clear();
            }
            boolean lastOfWorkload = lastImpl && slot.round() == rounds;
            if (lastOfWorkload) {
                afterWorkload.run();
            }
        }
    }

    private static String progress(List<Sample> got) {
        StringBuilder sb = new StringBuilder();
        for (Sample s : got) {
            sb.append("  ").append(s.variant.equals("-") ? s.workload : s.variant).append(' ');
            if (!s.ok()) {
                sb.append("FAILED (").append(s.detail).append(')');
                continue;
            }
            sb.append(Report.fmtSeconds(s.wall));
            if (!Double.isNaN(s.fsCpu)) {
                sb.append(" cpu ").append(Report.fmtSeconds(s.fsCpu));
            }
        }
        return sb.toString();
    }

    private Path runDir(Impl impl) throws IOException {
        Path p = scratch.resolve(String.format("%04d-%s", ++seq, impl.name));
        Files.createDirectories(p);
        return p;
    }

    private Impl.Mounted mount(Impl impl, Path run, boolean copy) throws IOException, InterruptedException {
        if (stopping) {
            throw new IOException("stopping");
        }
        Impl.Mounted m = impl.mount(run, layers, copy);
        active.add(m);
        if (stopping) {
            throw new IOException("stopping");
        }
        return m;
    }

    private double unmount(Impl.Mounted m) throws IOException, InterruptedException {
        try {
            return m.impl().unmount(m);
        } finally {
            active.remove(m);
        }
    }

    private List<Sample> readSlot(Workload w, Impl impl, int round) throws IOException, InterruptedException {
        Path run = runDir(impl);
        List<Sample> got = new ArrayList<>();
        Impl.Mounted m = mount(impl, run, false);
        try {
            for (String v : w.variants()) {
                Sample s = new Sample(w.name(), v, impl.name, round, seq);
                s.mountSeconds = m.mountSeconds();
                runScript(w, v, m, false, s);
                s.peakRssKiB = m.pid() > 0 ? Proc.statusKiB(m.pid(), "VmHWM") : -1;
                got.add(s);
            }
        } finally {
            double u = unmount(m);
            got.forEach(s -> s.umountSeconds = u);
            Proc.removeTree(run);
        }
        return got;
    }

    private List<Sample> writeSlot(Workload w, Impl impl, int round, Map<String, TreeDigest> digests) throws IOException, InterruptedException {
        List<Sample> got = new ArrayList<>();
        for (String v : w.variants()) {
            Path run = runDir(impl);
            Impl.Mounted m = mount(impl, run, true);
            Sample s = new Sample(w.name(), v, impl.name, round, seq);
            s.mountSeconds = m.mountSeconds();
            got.add(s);
            try {
                runScript(w, v, m, true, s);
                s.peakRssKiB = m.pid() > 0 ? Proc.statusKiB(m.pid(), "VmHWM") : -1;
                if (s.ok()) {
                    try {
                        digests.put(impl.name + " " + v, digest(m.root(), w.scopes()));
                    } catch (IOException e) {
                        s.fail("cannot read the merged tree after the run: " + e.getMessage());
                    }
                }
            } finally {
                s.umountSeconds = unmount(m);
                Proc.removeTree(run);
            }
        }
        return got;
    }

    /** Mount-to-ready cold (caches dropped first) and warm, and the unmount time, of an empty mount. */
    private List<Sample> mountSlot(Impl impl, int round) throws IOException, InterruptedException {
        List<Sample> got = new ArrayList<>();
        if (impl.kind == Impl.Kind.NATIVE) {
            return got;
        }
        for (String v : List.of(Workload.COLD, Workload.WARM)) {
            Path run = runDir(impl);
            if (v.equals(Workload.COLD)) {
                Proc.dropCaches();
            }
            Impl.Mounted m = mount(impl, run, false);
            Sample s = new Sample(Workload.MOUNT, v, impl.name, round, seq);
            s.wall = m.mountSeconds();
            s.mountSeconds = m.mountSeconds();
            if (m.pid() > 0) {
                s.fsCpu = Proc.cpuSeconds(m.pid());
                s.peakRssKiB = Proc.statusKiB(m.pid(), "VmHWM");
            }
            got.add(s);
            double u;
            try {
                u = unmount(m);
            } finally {
                Proc.removeTree(run);
            }
            s.umountSeconds = u;
            Sample us = new Sample("umount", "-", impl.name, round, seq);
            us.wall = u;
            got.add(us);
        }
        return got;
    }

    private void runScript(Workload w, String variant, Impl.Mounted m, boolean warmupFirst, Sample s) throws IOException, InterruptedException {
        Path result = m.scratch().resolve("result-" + s.seq + "-" + variant);
        Files.deleteIfExists(result);
        Map<String, String> env = new HashMap<>();
        env.put("M", m.root().toString());
        env.put("B", layers.res().toString());
        env.put("R", result.toString());
        env.put("FSPID", m.pid() > 0 ? Long.toString(m.pid()) : "");
        env.put("N_STORM", Integer.toString(cfg.stormFiles));
        env.put("N_STORM_FSYNC", Integer.toString(cfg.stormFsyncFiles));
        env.put("BIG_MIB", Integer.toString(cfg.bigMiB));
        env.put("RAND_MIB", Integer.toString(cfg.randMiB));
        Proc.Result r = Proc.run(List.of("bash", "-c", w.script(variant, warmupFirst)), null, env, timeoutSeconds);
        if (!r.ok()) {
            s.fail(r.timedOut() ? "timed out after " + timeoutSeconds + " s" : "exit " + r.rc() + ": " + r.errTail());
            return;
        }
        if (!Files.exists(result)) {
            s.fail("the script ended before its timing was written");
            return;
        }
        Map<String, String> f = new HashMap<>();
        for (String line : Files.readAllLines(result)) {
            int sp = line.indexOf(' ');
            f.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
        }
        String[] t = f.getOrDefault("T", "").trim().split(" ");
        if (t.length != 2) {
            s.fail("no timing from the script");
            return;
        }
        s.wall = Double.parseDouble(t[1]) - Double.parseDouble(t[0]);
        Path fio = Path.of(result + ".fio");
        if (Files.exists(fio)) {
            double io = fioReadSeconds(Files.readString(fio));
            Files.delete(fio);
            if (Double.isNaN(io)) {
                s.fail("cannot read fio's results");
                return;
            }
            s.wall = io;
        }
        if (m.pid() > 0) {
            s.fsCpu = Proc.cpuFromStat(f.get("C1")) - Proc.cpuFromStat(f.get("C0"));
        }
    }

    /**
     * The time fio spent in reads, from its JSON output: the mean total latency of the first job's reads times
     * their count (fio's own start-up, which takes most of a second here, is left out). NaN if absent.
     */
    static double fioReadSeconds(String json) {
        int read = json.indexOf("\"read\"");
        if (read < 0) {
            return Double.NaN;
        }
        java.util.regex.Matcher ios = java.util.regex.Pattern.compile("\"total_ios\"\\s*:\\s*(\\d+)").matcher(json);
        int lat = json.indexOf("\"lat_ns\"", read);
        if (!ios.find(read) || lat < 0) {
            return Double.NaN;
        }
        java.util.regex.Matcher mean = java.util.regex.Pattern.compile("\"mean\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        if (!mean.find(lat)) {
            return Double.NaN;
        }
        return Long.parseLong(ios.group(1)) * Double.parseDouble(mean.group(1)) / 1e9;
    }

    /** The merged tree as the guard sees it: metadata of everything, content of the files under the scopes. */
    static TreeDigest digest(Path root, List<String> scopes) throws IOException, InterruptedException {
        Proc.Result r = Proc.run(List.of("find", ".", "-mindepth", "1", "-printf", TreeDigest.FIND_FORMAT), root, null, 3600);
        if (!r.ok()) {
            throw new IOException("find failed: " + r.errTail());
        }
        return TreeDigest.parse(r.out()).hashContents(root, scopes);
    }

    /**
     * Compares the trees the implementations left after one round of a write workload: against the native
     * directory's when there is one (the plain filesystem is the truth), else kernel overlayfs's.
     */
    private void guard(Workload w, int round, Map<String, TreeDigest> digests) {
        for (String v : w.variants()) {
            String ref = digests.containsKey("native " + v) ? "native" : digests.containsKey("kernel " + v) ? "kernel" : null;
            if (ref == null) {
                continue;
            }
            TreeDigest rd = digests.get(ref + " " + v);
            int same = 0;
            for (Sample s : samples) {
                if (!s.workload.equals(w.name()) || !s.variant.equals(v) || s.round != round || s.impl.equals(ref) || !s.ok()) {
                    continue;
                }
                TreeDigest d = digests.get(s.impl + " " + v);
                if (d == null) {
                    continue;
                }
                List<String> diff = rd.differences(d, 4);
                if (!diff.isEmpty()) {
                    s.fail("merged tree differs from " + ref + "'s: " + String.join("; ", diff));
                    out.println("         GUARD " + w.name() + " " + v + " round " + round + ": " + s.impl + " FAILED: " + s.detail);
                } else {
                    same++;
                }
            }
            out.printf(Locale.ROOT, "         guard %s %s round %d: %d other implementation%s the same %d entries as %s%n",
                    w.name(), v, round, same, same == 1 ? " shows" : "s show", rd.size(), ref);
        }
    }

    /**
     * Unmounts everything this run mounted (and anything left under the scratch directory), ends the servers
     * by PID. Safe to call twice and from the shutdown hook.
     */
    void cleanup() {
        for (Impl.Mounted m : List.copyOf(active)) {
            try {
                if (m.mounted() && Proc.mountedType(m.root().toString()) == null) {
                    active.remove(m);   // the run unmounted it meanwhile
                    continue;
                }
                m.impl().unmount(m);
            } catch (Exception e) {
                out.println("bench: cleanup: " + e.getMessage());
            }
            active.remove(m);
        }
        sweep(scratch, out);
    }

    /** Detaches every mount under {@code dir} and kills, by PID, the processes serving them. */
    static void sweep(Path dir, PrintStream out) {
        List<String> left = Proc.mountsUnder(dir.toString());
        java.util.Collections.reverse(left);
        for (String mp : left) {
            List<Long> pids = Proc.pidsWithArg(mp);
            try {
                Proc.run(List.of("umount", "-l", mp), null, null, 30);
            } catch (Exception e) {
                out.println("bench: cannot detach " + mp + ": " + e.getMessage());
            }
            for (long p : pids) {
                Proc.kill(p, 2000);
            }
        }
    }
}
