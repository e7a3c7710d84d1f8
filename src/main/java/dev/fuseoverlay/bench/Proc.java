package dev.fuseoverlay.bench;

import dev.fuseoverlay.fuse.Mounter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Child processes and /proc: running a tool with a time limit (killing exactly its process tree, by PID, when
 * the limit passes), a process's CPU seconds and peak RSS, the servers behind a mountpoint, and mountinfo.
 */
final class Proc {
    private Proc() {}

    /** What a finished child left: exit code (-1 on time-out), stdout bytes, stderr text, and its wall time. */
    record Result(int rc, byte[] out, String err, boolean timedOut, double seconds) {
        boolean ok() {
            return rc == 0 && !timedOut;
        }

        String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }

        /** The last lines of stderr, for one-line error messages. */
        String errTail() {
            String e = err.strip();
            String[] lines = e.split("\n");
            int from = Math.max(0, lines.length - 3);
            return String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
        }
    }

    static Result run(List<String> cmd, Path cwd, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"));
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        if (env != null) {
            pb.environment().putAll(env);
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            killTree(p.toHandle());
            p.waitFor(10, TimeUnit.SECONDS);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        to.join(5000);
        te.join(5000);
        return new Result(done ? p.exitValue() : -1, out.toByteArray(), err.toString(StandardCharsets.UTF_8), !done, secs);
    }

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        return run(cmd, null, null, timeoutSeconds);
    }

    /** Runs and fails with the tool's own message when it does not succeed. */
    static Result check(List<String> cmd, Path cwd, long timeoutSeconds) throws IOException, InterruptedException {
        Result r = run(cmd, cwd, null, timeoutSeconds);
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + (r.timedOut() ? ": timed out" : ": exit " + r.rc()) + ": " + r.errTail());
        }
        return r;
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // the child went away
            }
        }, "pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Kills a process and all its descendants, by PID, children first seen from the top. */
    static void killTree(ProcessHandle h) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(h);
        h.descendants().forEach(all::add);
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
    }

    /** Kills one process by PID: TERM, then KILL if it has not gone after the grace period. */
    static void kill(long pid, long graceMillis) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(graceMillis, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
    }

    static final long CLK_TCK = 100;

    /** utime + stime of a process (all its threads) in seconds, NaN when it is gone. */
    static double cpuSeconds(long pid) {
        try {
            return cpuFromStat(Files.readString(Paths.get("/proc/" + pid + "/stat")));
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** utime + stime in seconds from the text of /proc/PID/stat (fields 14 and 15, counted after the comm). */
    static double cpuFromStat(String stat) {
        if (stat == null || stat.isBlank()) {
            return Double.NaN;
        }
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state): utime is field 14 -> f[11], stime field 15 -> f[12]
        if (f.length < 13) {
            return Double.NaN;
        }
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK;
    }

    /** A field of /proc/PID/status in KiB (VmHWM, VmRSS), -1 when unknown. */
    static long statusKiB(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The PIDs of processes (other than this one) whose command line has the mountpoint as an argument. */
    static List<Long> pidsWithArg(String arg) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Paths.get("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(n);
                if (pid == self) {
                    continue;
                }
                try {
                    byte[] b = Files.readAllBytes(p.resolve("cmdline"));
                    for (String a : new String(b, StandardCharsets.ISO_8859_1).split("\0")) {
                        if (a.equals(arg)) {
                            out.add(pid);
                            break;
                        }
                    }
                } catch (IOException ignored) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/cmdline")), StandardCharsets.ISO_8859_1).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** The filesystem type mounted at exactly this path in this mount namespace, or null. */
    static String mountedType(String mountPoint) {
        String want = Mounter.escapeMountinfo(mountPoint);
        try {
            String type = null;
            for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(" ");
                int dash = line.indexOf(" - ");
                if (f.length > 4 && f[4].equals(want) && dash > 0) {
                    type = line.substring(dash + 3).split(" ")[0]; // the last (topmost) mount wins
                }
            }
            return type;
        } catch (IOException e) {
            return null;
        }
    }

    /** The mountinfo lines whose mountpoint lies under a directory (to find leftovers). */
    static List<String> mountsUnder(String dir) {
        List<String> out = new ArrayList<>();
        String want = Mounter.escapeMountinfo(dir);
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(" ");
                if (f.length > 4 && (f[4].equals(want) || f[4].startsWith(want + "/"))) {
                    out.add(f[4]);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }


    /** Writes dirty data and drops the page, dentry and inode caches (needs root). */
    static void dropCaches() throws IOException, InterruptedException {
        run(List.of("sync"), 600);
        Files.writeString(Paths.get("/proc/sys/vm/drop_caches"), "3");
    }

    /** Removes a tree with rm -rf (fast, handles anything the workloads left). */
    static void removeTree(Path dir) throws IOException, InterruptedException {
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            check(List.of("rm", "-rf", "--one-file-system", dir.toString()), null, 3600);
        }
    }
}
