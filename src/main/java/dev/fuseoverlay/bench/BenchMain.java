package dev.fuseoverlay.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bench}: fuse-overlay side by side with a native directory, kernel overlayfs, fuse-overlayfs and
 * unionfs-fuse on identical layers. Re-executes itself in a private mount namespace (so nothing it mounts is
 * seen by, or can hang, the rest of the machine), then builds or reuses the layers, runs the workloads in
 * alternating rounds and writes a table, a JSON file with every sample and an SVG chart.
 */
@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        version = "fuse-overlay bench 1",
        header = "Measure fuse-overlay against a native directory, kernel overlayfs, fuse-overlayfs and unionfs-fuse.",
        footer = {"", "Needs root (mounts, drop_caches). Runs in a private mount namespace; Ctrl-C unmounts everything.",
            "Results: OUT/results-DATE/{bench.json,ratios.svg,table.txt}; layers are cached in OUT/layers-KEY."})
public final class BenchMain implements Callable<Integer> {
    static final String NS_MARK = "FUSE_OVERLAY_BENCH_NS";

    @Option(names = "--quick", description = "small layers and sizes, 3 rounds: a few minutes")
    boolean quick;

    @Option(names = "--rounds", paramLabel = "N", description = "rounds per workload (default 3 with --quick, else 5)")
    Integer rounds;

    @Option(names = "--workloads", paramLabel = "A,B", split = ",", description = "only these workloads (see --list)")
    List<String> onlyWorkloads;

    @Option(names = "--impls", paramLabel = "A,B", split = ",",
            description = "only these implementations: native, kernel, fuse-overlayfs, unionfs-fuse, fuse-overlay, "
                    + "fuse-overlay-libfuse, fuse-overlay-uring and fuse-overlay-uring-rt (where the kernel offers "
                    + "FUSE over io_uring), "
                    + "fuse-overlay-baseline (with --baseline)")
    List<String> onlyImpls;

    @Option(names = "--load", paramLabel = "N", defaultValue = "2",
            description = "low-priority busy loops kept running (default ${DEFAULT-VALUE}; 0 = idle machine)")
    int load;

    @Option(names = "--out", paramLabel = "DIR", description = "output and layer cache directory (default target/bench)")
    Path outDir;

    @Option(names = "--fuse-overlay", paramLabel = "PATH", description = "the fuse-overlay launcher to measure (default ./fuse-overlay)")
    Path fuseOverlay;

    @Option(names = "--baseline", paramLabel = "PATH",
            description = "another fuse-overlay launcher (an earlier build) measured in the same run as fuse-overlay-baseline")
    Path baseline;

    @Option(names = "--files", paramLabel = "N", description = "small files in the /usr-like layer")
    Integer files;

    @Option(names = "--big-files", paramLabel = "N", description = "large files in the big layer")
    Integer bigFiles;

    @Option(names = "--big-mib", paramLabel = "MIB", description = "size of each large file")
    Integer bigMiB;

    @Option(names = "--copyup-large-mib", paramLabel = "MIB", description = "size of the large copy-up probe (100 by default)")
    Integer copyupLargeMiB;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "1800", description = "limit for one timed run (default ${DEFAULT-VALUE})")
    long timeout;

    @Option(names = "--list", description = "list the workloads and exit")
    boolean list;

    private String[] rawArgs = new String[0];

    public static void main(String[] args) {
        BenchMain m = new BenchMain();
        m.rawArgs = args;
        CommandLine cl = new CommandLine(m);
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            System.err.println("bench: " + (ex instanceof IOException || ex instanceof IllegalArgumentException ? ex.getMessage() : ex.toString()));
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Workload> workloads = selectWorkloads();
        if (list) {
            for (Workload w : Workload.all()) {
                System.out.printf("%-14s %-10s %s%n", w.name(), String.join(",", w.variants()), w.description());
            }
            return 0;
        }
        if (!"1".equals(System.getenv(NS_MARK))) {
            return reexecInNamespace();
        }
        return runInside(workloads);
    }

    private List<Workload> selectWorkloads() {
        List<Workload> all = Workload.all();
        if (onlyWorkloads == null || onlyWorkloads.isEmpty()) {
            return all;
        }
        List<Workload> out = new ArrayList<>();
        for (String n : onlyWorkloads) {
            Workload w = all.stream().filter(x -> x.name().equals(n.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown workload '" + n + "' (see ./bench --list)"));
            out.add(w);
        }
        return out;
    }

    /** Runs this same command again inside {@code unshare --mount --propagation private}, and waits for it. */
    private int reexecInNamespace() throws IOException, InterruptedException {
        if (!isRoot()) {
            throw new IOException("must run as root (it mounts filesystems and drops caches); try: sudo ./bench");
        }
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--fork", "--"));
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchMain.class.getName());
        cmd.addAll(List.of(rawArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(NS_MARK, "1");
        Process p = pb.start();
        // On Ctrl-C the child gets the signal too and unmounts: wait for it to finish before going away.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                p.waitFor(180, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
        return p.waitFor();
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private int runInside(List<Workload> workloads) throws Exception {
        PrintStream out = System.out;
        Config cfg = quick ? Config.quick() : Config.full();
        if (files != null) {
            cfg.files = files;
        }
        if (bigFiles != null) {
            cfg.bigFiles = bigFiles;
        }
        if (bigMiB != null) {
            cfg.bigMiB = bigMiB;
        }
        if (copyupLargeMiB != null) {
            cfg.copyupLargeMiB = copyupLargeMiB;
        }
        int nRounds = rounds != null ? rounds : quick ? 3 : 5;
        if (nRounds < 1 || load < 0 || cfg.files < 10 || cfg.bigFiles < 1 || cfg.bigMiB < 1) {
            throw new IllegalArgumentException("rounds, sizes and counts must be positive");
        }
        Path home = Paths.get(System.getenv().getOrDefault("BENCH_HOME", ".")).toAbsolutePath().normalize();
        Path base = (outDir != null ? outDir : home.resolve("target/bench")).toAbsolutePath().normalize();
        String launcher = (fuseOverlay != null ? fuseOverlay : home.resolve("fuse-overlay")).toAbsolutePath().normalize().toString();
        Files.createDirectories(base);
        Path scratch = base.resolve("scratch");
        Runner.sweep(scratch, out);
        Proc.removeTree(scratch);
        Files.createDirectories(scratch);

        String started = ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String loadBefore = Files.readString(Paths.get("/proc/loadavg")).trim();
        out.println("bench: " + (quick ? "quick run, " : "") + nRounds + " rounds; output under " + base);
        LayerBuilder.Layers layers = new LayerBuilder(cfg, out).build(base);

        List<Impl> impls = new ArrayList<>();
        List<Map<String, Object>> implInfo = new ArrayList<>();
        String base0 = baseline == null ? null : baseline.toAbsolutePath().normalize().toString();
        for (Impl i : Impl.all(launcher, base0)) {
            if (onlyImpls != null && !onlyImpls.isEmpty() && !onlyImpls.contains(i.name) && !i.name.equals(Impl.BASELINE)) {
                continue; // --baseline asks for its build by itself
            }
            i.probe(scratch, layers);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.name);
            m.put("available", i.unavailable == null);
            m.put("version", i.version);
            if (i.unavailable != null) {
                m.put("skipped", i.unavailable);
                out.println("bench: " + i.name + ": SKIPPED, " + i.unavailable);
            } else {
                out.println("bench: " + i.name + ": " + i.version);
                impls.add(i);
            }
            implInfo.add(m);
        }
        if (onlyImpls != null) {
            for (String n : onlyImpls) {
                if (n.equals(Impl.BASELINE) && baseline == null) {
                    throw new IllegalArgumentException(Impl.BASELINE + " needs --baseline PATH (the launcher of the build to compare with)");
                }
                if (implInfo.stream().noneMatch(m -> m.get("name").equals(n))) {
                    throw new IllegalArgumentException("unknown implementation '" + n + "'");
                }
            }
        }
        if (impls.isEmpty()) {
            throw new IOException("no implementation available");
        }
        List<Workload> runnable = new ArrayList<>();
        List<Map<String, Object>> wInfo = new ArrayList<>();
        for (Workload w : workloads) {
            String missing = missingTool(w, layers);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", w.name());
            m.put("description", w.description());
            m.put("variants", w.variants());
            m.put("writes", w.writes());
            if (!w.run().isEmpty()) {
                m.put("timed", w.run());
            }
            if (missing != null) {
                m.put("skipped", missing);
                out.println("bench: workload " + w.name() + ": SKIPPED, " + missing);
            } else {
                runnable.add(w);
            }
            wInfo.add(m);
        }

        Load spin = new Load(load);
        Runner runner = new Runner(cfg, layers, scratch, out, timeout);
        Path resultDir = base.resolve("results-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(resultDir);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "fuse-overlay bench");
        doc.put("formatVersion", 1);
        doc.put("started", started);
        doc.put("machine", machine());
        Map<String, Object> cond = new LinkedHashMap<>();
        cond.put("quick", quick);
        cond.put("rounds", nRounds);
        cond.put("order", "per workload: round after round, every implementation once per round in the listed order (A B C A B C)");
        cond.put("cold", "sync; echo 3 > /proc/sys/vm/drop_caches before the timed part");
        cond.put("loadavgBefore", loadBefore);
        cond.put("mountNamespace", "private (unshare --mount --propagation private)");
        doc.put("conditions", cond);
        doc.put("sizes", cfg.toMap());
        Map<String, Object> lay = new LinkedHashMap<>();
        lay.put("dir", layers.dir().toString());
        lay.put("lowerdir", layers.lowerdir());
        lay.put("entries", layers.files());
        lay.put("bytes", layers.bytes());
        doc.put("layers", lay);
        doc.put("implementations", implInfo);
        doc.put("workloads", wInfo);

        Thread hook = new Thread(() -> {
            runner.stopping = true;
            out.println("\nbench: interrupted: unmounting everything it mounted ...");
            runner.cleanup();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            runner.cleanup();   // a mount that was half-way up the first time
            spin.stop();
            try {
                save(doc, runner, impls, resultDir, cond, spin, false);
                out.println("bench: partial results in " + resultDir);
            } catch (IOException e) {
                out.println("bench: cannot save partial results: " + e.getMessage());
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        spin.start();
        cond.put("load", spin.describe());
        out.println("bench: load condition: " + spin.describe() + "; load average before: " + loadBefore);
        out.println("bench: " + runnable.size() + " workloads x " + impls.size() + " implementations x " + nRounds + " rounds");
        try {
            runner.run(runnable, impls, nRounds, () -> {
                try {
                    save(doc, runner, impls, resultDir, cond, spin, false);
                } catch (IOException e) {
                    out.println("bench: cannot save progress: " + e.getMessage());
                }
            });
        } finally {
            if (!runner.stopping) {
                runner.cleanup();
                spin.stop();
            }
        }
        if (runner.stopping) {
            return 130;   // interrupted: the shutdown hook unmounts and saves the partial results
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return 130;   // interrupted just now
        }
        Report rep = save(doc, runner, impls, resultDir, cond, spin, true);
        Proc.removeTree(scratch);
        out.println();
        out.print(header(doc, cond));
        out.println();
        out.print(rep.table());
        out.println("results: " + resultDir.resolve("bench.json"));
        out.println("chart:   " + resultDir.resolve("ratios.svg"));
        out.println("table:   " + resultDir.resolve("table.txt"));
        return rep.failures().isEmpty() ? 0 : 3;
    }

    private static String missingTool(Workload w, LayerBuilder.Layers layers) throws IOException, InterruptedException {
        for (String t : w.needs()) {
            if (t.equals("storm")) {
                if (!layers.hasStorm()) {
                    return "the storm helper could not be compiled (install gcc)";
                }
                continue;
            }
            if (!Proc.run(List.of("sh", "-c", "command -v " + t), 10).ok()) {
                return "needs " + t;
            }
        }
        return null;
    }

    private static String header(Map<String, Object> doc, Map<String, Object> cond) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) doc.get("machine");
        return String.format(Locale.ROOT, "Machine: %s, %s cores, %s MiB, Linux %s. Load: %s. Load average before/after: %s / %s.%n",
                m.get("cpu"), m.get("cores"), m.get("memoryMiB"), m.get("kernel"), cond.get("load"),
                cond.get("loadavgBefore"), cond.getOrDefault("loadavgAfter", "?"));
    }

    private static Report save(Map<String, Object> doc, Runner runner, List<Impl> impls, Path dir, Map<String, Object> cond, Load spin, boolean done)
            throws IOException {
        List<Sample> samples;
        synchronized (runner.samples) {
            samples = new ArrayList<>(runner.samples);
        }
        List<String> names = impls.stream().map(i -> i.name).toList();
        Report rep = new Report(names, samples);
        cond.put("loadavgAfter", Files.readString(Paths.get("/proc/loadavg")).trim());
        doc.put("finished", done ? ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) : null);
        doc.put("summary", rep.summaryJson());
        doc.put("samples", samples.stream().map(Sample::toMap).toList());
        Files.writeString(dir.resolve("bench.json"), Json.write(doc), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("table.txt"), header(doc, cond) + "\n" + rep.table(), StandardCharsets.UTF_8);
        if (names.contains(Report.KERNEL)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) doc.get("machine");
            List<String> sub = List.of(
                    m.get("cpu") + ", " + m.get("cores") + " cores, Linux " + m.get("kernel") + "; " + doc.get("started"),
                    "median of " + cond.get("rounds") + " alternating rounds; load: " + spin.describe()
                            + (Boolean.TRUE.equals(cond.get("quick")) ? "; --quick sizes" : ""));
            List<SvgChart.Row> rows = rep.chartRows(Report.KERNEL);
            List<String> shown = SvgChart.shown(names.stream().filter(n -> !n.equals(Report.KERNEL)).toList(), rows);
            Files.writeString(dir.resolve("ratios.svg"),
                    SvgChart.render("Time relative to kernel overlayfs, per workload", sub, "kernel overlayfs", shown, rows),
                    StandardCharsets.UTF_8);
        }
        return rep;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            m.put("hostname", Files.readString(Paths.get("/proc/sys/kernel/hostname")).trim());
            m.put("kernel", Files.readString(Paths.get("/proc/sys/kernel/osrelease")).trim());
            String cpu = "?";
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            m.put("cpu", cpu);
            m.put("cores", Runtime.getRuntime().availableProcessors());
            for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    m.put("memoryMiB", Long.parseLong(line.replaceAll("\\D", "")) / 1024);
                }
            }
            String gov = "/sys/devices/system/cpu/cpuidle/current_driver";
            if (Files.exists(Paths.get(gov))) {
                m.put("cpuidleDriver", Files.readString(Paths.get(gov)).trim());
            }
        } catch (IOException | RuntimeException e) {
            m.put("error", e.getMessage());
        }
        m.put("java", System.getProperty("java.version"));
        return m;
    }
}
