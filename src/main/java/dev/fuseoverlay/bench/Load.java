package dev.fuseoverlay.bench;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed load condition: N busy loops at the lowest priority (SCHED_IDLE, nice 19). On this kind of VM an
 * idle CPU wakes slowly and every FUSE request needs a wake-up, so an idle machine makes FUSE look several
 * times worse than it is while the kernel's figures do not move; the spinners keep the CPUs awake and yield
 * to any real work at once. Each spinner also ends by itself when this process is gone.
 */
final class Load {
    private final List<Process> spinners = new ArrayList<>();
    final int n;
    String policy = "";

    Load(int n) {
        this.n = n;
    }

    void start() throws IOException {
        long self = ProcessHandle.current().pid();
        String loop = "while kill -0 " + self + " 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";
        boolean chrt = new File("/usr/bin/chrt").canExecute() || new File("/bin/chrt").canExecute();
        policy = chrt ? "SCHED_IDLE, nice 19" : "nice 19";
        for (int i = 0; i < n; i++) {
            List<String> cmd = new ArrayList<>(List.of("nice", "-n", "19"));
            if (chrt) {
                cmd.addAll(List.of("chrt", "--idle", "0"));
            }
            cmd.addAll(List.of("sh", "-c", loop));
            spinners.add(new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
        }
    }

    /** Ends the spinners, by their PIDs. */
    void stop() {
        for (Process p : spinners) {
            Proc.kill(p.pid(), 1000);
        }
        spinners.clear();
    }

    String describe() {
        return n == 0 ? "none (idle machine: FUSE ratios are distorted by slow CPU wake-ups)"
                : n + " busy loop" + (n > 1 ? "s" : "") + " (" + policy + ")";
    }
}
