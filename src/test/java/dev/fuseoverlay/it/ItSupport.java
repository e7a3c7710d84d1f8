package dev.fuseoverlay.it;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * What the mounted tests share: where the repository, the harness scripts and the scenarios are, a check
 * that this machine can mount (failing loudly, never skipping), running the harness with a time limit,
 * reading its byte-exact output, and a line diff for failure messages.
 */
public final class ItSupport {
    public static final Path REPO = findRepo();
    static final Path DIFFRUN = REPO.resolve("src/test/sh/diffrun");
    static final Path NSRUN = REPO.resolve("src/test/sh/nsrun");
    static final Path SCENARIOS = REPO.resolve("src/test/resources/scenarios");
    static final Path OUT = REPO.resolve("target/it");
    /** The mount program under test: $FUSE_OVERLAY (as the harness reads it) or the repository's launcher. */
    static final Path LAUNCHER = System.getenv("FUSE_OVERLAY") != null && !System.getenv("FUSE_OVERLAY").isEmpty()
            ? Paths.get(System.getenv("FUSE_OVERLAY")) : REPO.resolve("fuse-overlay");

    private ItSupport() {}

    private static Path findRepo() {
        for (String start : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (start == null) {
                continue;
            }
            for (Path p = Paths.get(start).toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("src/test/sh"))) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find the repository root (pom.xml beside src/test/sh) from "
                + System.getProperty("basedir") + " or " + System.getProperty("user.dir"));
    }

    /**
     * Fails (never skips) unless this machine can run the mounted tests: root, /dev/fuse, kernel overlayfs,
     * the tools the harness uses, and the mount program.
     */
    static void requireMountMachinery() {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(uid())) {
            missing.add("the mounted tests must run as root (uid " + uid() + ")");
        }
        if (!Files.exists(Paths.get("/dev/fuse"))) {
            missing.add("/dev/fuse is missing (modprobe fuse; in a container pass --device /dev/fuse)");
        }
        if (!hasOverlay()) {
            missing.add("kernel overlayfs is unavailable (not in /proc/filesystems, modprobe overlay failed)");
        }
        for (String tool : new String[] {"unshare", "timeout", "mount", "umount", "fusermount3", "mount.fuse3",
            "getfattr", "setfattr", "perl", "tar", "sha256sum", "fuse-overlayfs", "java"}) {
            if (!onPath(tool)) {
                missing.add("command not found: " + tool);
            }
        }
        if (!Files.isExecutable(LAUNCHER)) {
            missing.add("the mount program " + LAUNCHER + " is not executable");
        }
        if (!Files.isRegularFile(REPO.resolve("target/fuse-overlay.jar")) && System.getenv("FUSE_OVERLAY") == null) {
            missing.add("target/fuse-overlay.jar is missing: run the tests with mvn verify (the jar is built in package)");
        }
        for (Path script : new Path[] {DIFFRUN, NSRUN}) {
            if (!Files.isExecutable(script)) {
                missing.add(script + " is not executable");
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("this machine cannot run the mounted tests (they must not be skipped):\n  "
                    + String.join("\n  ", missing));
        }
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2]; // the effective uid
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static boolean hasOverlay() {
        if (overlayListed()) {
            return true;
        }
        try {
            new ProcessBuilder("modprobe", "overlay").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return overlayListed();
    }

    private static boolean overlayListed() {
        try {
            return Files.readAllLines(Paths.get("/proc/filesystems")).stream()
                    .anyMatch(l -> l.trim().endsWith("\toverlay") || l.trim().equals("overlay") || l.endsWith(" overlay"));
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean onPath(String tool) {
        String path = System.getenv("PATH") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        return Arrays.stream(path.split(":")).filter(s -> !s.isEmpty())
                .anyMatch(d -> Files.isExecutable(Paths.get(d, tool)));
    }

    /** The scenario files (*.sh) directly in a directory, sorted by name. */
    static List<Path> scenarios(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".sh") && Files.isRegularFile(p))
                    .sorted().collect(Collectors.toList());
        }
    }

    /** One check of one scenario file. */
    @FunctionalInterface
    interface ScenarioCheck {
        void check(Path scenario) throws Exception;
    }

    /** A dynamic test per scenario file in {@code dir} (there must be at least one), named after the file. */
    static Stream<DynamicTest> scenarioTests(Path dir, ScenarioCheck check) throws IOException {
        return scenarioTests(dir, null, check);
    }

    /**
     * Like {@link #scenarioTests(Path, ScenarioCheck)}, for one engine: a scenario whose header says
     * {@code # ENGINES: a b} (a feature only those engines have) is left out of the others' runs.
     */
    static Stream<DynamicTest> scenarioTests(Path dir, String engine, ScenarioCheck check) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path f : scenarios(dir)) {
            List<String> only = engine == null ? null : engines(f);
            if (only == null || only.contains(engine)) {
                files.add(f);
            }
        }
        assertFalse(files.isEmpty(), "no scenarios in " + dir);
        return files.stream().map(f -> DynamicTest.dynamicTest(scenarioName(f), f.toUri(), () -> check.check(f)));
    }

    /** The engines a scenario is for ({@code # ENGINES: devfuse ...} among its first lines), null: all. */
    static List<String> engines(Path scenario) throws IOException {
        try (Stream<String> lines = Files.lines(scenario, StandardCharsets.ISO_8859_1)) {
            return lines.limit(10).filter(l -> l.startsWith("# ENGINES:")).findFirst()
                    .map(l -> List.of(l.substring("# ENGINES:".length()).replaceAll("\\(.*", "").trim().split("\\s+")))
                    .orElse(null);
        }
    }

    static String scenarioName(Path file) {
        String n = file.getFileName().toString();
        return n.substring(0, n.length() - ".sh".length());
    }

    /** Starts a harness command with its combined output going to a log file. */
    public static Process start(Path log, String... cmd) throws IOException {
        return start(log, java.util.Map.of(), cmd);
    }

    /** Like {@link #start(Path, String...)}, with extra environment variables. */
    public static Process start(Path log, java.util.Map<String, String> env, String... cmd) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Waits for a harness process; on timeout kills it and what it started, and fails. */
    public static int await(Process p, Duration limit, String what) throws InterruptedException {
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(what + " did not finish within " + limit.toSeconds() + " s (a hung mount?)");
        }
        return p.exitValue();
    }

    /** A file's bytes as text, one char per byte (names in the layers are arbitrary bytes). */
    public static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "<cannot read " + p + ": " + e + ">";
        }
    }

    public static String tail(Path p, int lines) {
        List<String> l = lines(read(p));
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    public static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> l = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (l.get(l.size() - 1).isEmpty()) {
            l.remove(l.size() - 1);
        }
        return l;
    }

    /**
     * A unified-style line diff of two texts (3 lines of context, at most {@code maxLines} lines), for
     * failure messages.
     */
    static String diff(String nameA, String a, String nameB, String b) {
        List<String> x = lines(a);
        List<String> y = lines(b);
        int n = x.size();
        int m = y.size();
        StringBuilder out = new StringBuilder("--- " + nameA + "\n+++ " + nameB + "\n");
        if ((long) n * m > 25_000_000L) {
            int i = 0;
            while (i < Math.min(n, m) && x.get(i).equals(y.get(i))) {
                i++;
            }
            return out + "(too long for a full diff) first difference at line " + (i + 1) + ":\n-"
                    + (i < n ? show(x.get(i)) : "<end>") + "\n+" + (i < m ? show(y.get(i)) : "<end>") + "\n";
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = x.get(i).equals(y.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        // the edit script: ' ', '-', '+' per line
        List<char[]> ops = new ArrayList<>();
        List<String> text = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && x.get(i).equals(y.get(j))) {
                ops.add(new char[] {' '});
                text.add(x.get(i));
                i++;
                j++;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add(new char[] {'-'});
                text.add(x.get(i));
                i++;
            } else {
                ops.add(new char[] {'+'});
                text.add(y.get(j));
                j++;
            }
        }
        int maxLines = 200;
        int printed = 0;
        int last = -1;
        for (int k = 0; k < ops.size(); k++) {
            boolean near = false;
            for (int c = Math.max(0, k - 3); c <= Math.min(ops.size() - 1, k + 3); c++) {
                if (ops.get(c)[0] != ' ') {
                    near = true;
                    break;
                }
            }
            if (!near) {
                continue;
            }
            if (last >= 0 && k != last + 1) {
                out.append("@@\n");
            }
            out.append(ops.get(k)[0]).append(show(text.get(k))).append('\n');
            last = k;
            if (++printed >= maxLines) {
                out.append("... (diff cut at ").append(maxLines).append(" lines)\n");
                break;
            }
        }
        return out.toString();
    }

    /** A line for a message: control and non-ASCII bytes as \xNN, long lines shortened. */
    private static String show(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() > 300 ? b.substring(0, 300) + "...(" + b.length() + " chars)" : b.toString();
    }
}
