package dev.fuseoverlay.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed load condition: N busy loops at the lowest priority. On this kind of VM an idle CPU wakes slowly
 * and every FUSE request needs a wake-up, so an idle machine makes FUSE look several times worse than it is
 * while the kernel's figures do not move; the spinners keep the CPUs awake and must yield to any real work at
 * once. Each spinner also ends by itself when this process is gone.
 *
 * <p>SCHED_IDLE alone is not enough: with autogroup scheduling ({@code kernel.sched_autogroup_enabled}, on
 * here) every session is its own scheduling group, and a policy only counts inside its group. A FUSE daemon
 * runs in a session of its own (it daemonizes with setsid), so to it the spinners' group was an ordinary
 * competitor: each of its wake-ups waited up to a scheduler slice (3 ms) behind a spinner, while the kernel's
 * work, done in the workload's own session, preempted them at once. The spinners therefore run in a cpu
 * cgroup marked {@code cpu.idle}, which makes the whole group idle to everyone; where that cannot be made,
 * the condition says so.
 */
final class Load {
    private static final String GROUP_PREFIX = "fuse-overlay-bench-load-";
    private final List<Process> spinners = new ArrayList<>();
    final int n;
    String policy = "";
    private Path group;

    Load(int n) {
        this.n = n;
    }

    void start() throws IOException {
        long self = ProcessHandle.current().pid();
        String loop = "while kill -0 " + self + " 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";
        boolean chrt = new File("/usr/bin/chrt").canExecute() || new File("/bin/chrt").canExecute();
        if (n > 0) {
            group = idleGroup(self);
        }
        for (int i = 0; i < n; i++) {
            List<String> cmd = new ArrayList<>(List.of("nice", "-n", "19"));
            if (chrt) {
                cmd.addAll(List.of("chrt", "--idle", "0"));
            }
            cmd.addAll(List.of("sh", "-c", loop));
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            spinners.add(p);
            if (group != null) {
                try {
                    Files.writeString(group.resolve("cgroup.procs"), Long.toString(p.pid()));
                } catch (IOException e) {
                    for (Process q : spinners) { // all back to the parent group: no idle group at all
                        try {
                            Files.writeString(group.getParent().resolve("cgroup.procs"), Long.toString(q.pid()));
                        } catch (IOException ignored) {
                            // not in the group (this one) or gone
                        }
                    }
                    removeGroup(group);
                    group = null;
                }
            }
        }
        policy = (chrt ? "SCHED_IDLE, nice 19" : "nice 19")
                + (group != null ? ", idle cpu cgroup" : autogroup() ? "; NO idle cgroup, so daemons in other sessions"
                        + " (every FUSE server) compete with them (autogroup)" : "");
    }

    /** Ends the spinners, by their PIDs, and removes their cgroup. */
    void stop() {
        for (Process p : spinners) {
            Proc.kill(p.pid(), 1000);
        }
        spinners.clear();
        if (group != null) {
            removeGroup(group);
            group = null;
        }
    }

    String describe() {
        return n == 0 ? "none (idle machine: FUSE ratios are distorted by slow CPU wake-ups)"
                : n + " busy loop" + (n > 1 ? "s" : "") + " (" + policy + ")";
    }

    private static boolean autogroup() {
        try {
            return Files.readString(Paths.get("/proc/sys/kernel/sched_autogroup_enabled")).trim().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A fresh cpu cgroup with {@code cpu.idle} set (cgroup v1's cpu hierarchy or v2 with the cpu controller),
     * or null. Groups left by a run that was killed are removed first (only empty ones can be, and only those
     * whose bench process is gone).
     */
    private static Path idleGroup(long self) {
        for (Path root : new Path[] {Paths.get("/sys/fs/cgroup/cpu"), Paths.get("/sys/fs/cgroup")}) {
            if (!Files.isRegularFile(root.resolve("cpu.idle")) && !hasCpuController(root)) {
                continue;
            }
            try (DirectoryStream<Path> old = Files.newDirectoryStream(root, GROUP_PREFIX + "*")) {
                for (Path g : old) {
                    if (!alive(g.getFileName().toString().substring(GROUP_PREFIX.length()))) {
                        removeGroup(g); // a killed run's; another live bench keeps its own
                    }
                }
            } catch (IOException e) {
                continue;
            }
            Path g = root.resolve(GROUP_PREFIX + self);
            try {
                Files.createDirectories(g);
                Files.writeString(g.resolve("cpu.idle"), "1");
                return g;
            } catch (IOException | UnsupportedOperationException e) {
                removeGroup(g);
            }
        }
        return null;
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).isPresent();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean hasCpuController(Path root) {
        try {
            return (" " + Files.readString(root.resolve("cgroup.subtree_control")).trim() + " ").contains(" cpu ");
        } catch (IOException e) {
            return false;
        }
    }

    private static void removeGroup(Path g) {
        try {
            Files.deleteIfExists(g); // rmdir of a cgroup: fails while it has processes
        } catch (IOException e) {
            // still populated (a spinner outliving its kill) or not ours to remove: leave it
        }
    }
}
