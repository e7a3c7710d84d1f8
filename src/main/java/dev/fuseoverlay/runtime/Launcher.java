package dev.fuseoverlay.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Starts the inside JVM in new namespaces. A JVM cannot unshare its own user namespace (it has threads),
 * so util-linux does it:
 * <ul>
 * <li>{@code setsid}: the inside never shares our terminal's session, so keyboard signals reach only
 *     this JVM, which passes them on exactly once;</li>
 * <li>{@code setpriv --pdeathsig KILL}: if this JVM is killed, the whole inside dies with it;</li>
 * <li>{@code unshare --user --map-root-user --map-auto}: the user becomes root, IDs 1..N map onto the
 *     user's /etc/subuid and /etc/subgid range (through newuidmap and newgidmap);</li>
 * <li>{@code --mount --propagation private}: mounts made inside are never seen outside;</li>
 * <li>{@code --pid --fork --kill-child --mount-proc}: the inside JVM is pid 1 of a pid namespace, so when it
 *     ends for any reason the kernel kills everything it started.</li>
 * </ul>
 */
final class Launcher {
    private Launcher() {}

    static List<String> command(String op, Properties spec) {
        List<String> c = new ArrayList<>(List.of(
                Preflight.which("setsid"), Preflight.which("setpriv"), "--pdeathsig", "KILL", "--",
                Preflight.which("unshare"), "--user", "--map-root-user", "--map-auto",
                "--mount", "--propagation", "private",
                "--pid", "--fork", "--kill-child", "--mount-proc", "--"));
        c.add(ProcessHandle.current().info().command().orElse("java"));
        String opts = System.getenv("FUSE_OVERLAY_JVM_OPTS");
        if (opts == null || opts.isBlank()) {
            opts = "-Dfile.encoding=ISO-8859-1 -Xmx256m -Xss512k -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto";
        }
        c.addAll(Arrays.asList(opts.trim().split("\\s+")));
        String nativeDir = System.getenv("FUSE_OVERLAY_NATIVE"); // jffi's stub, not extracted into /tmp
        if (nativeDir != null && !nativeDir.isBlank()) {
            c.add(nativeDir.trim());
        }
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(RuntimeMain.class.getName());
        c.add(RuntimeMain.INSIDE);
        c.add(op);
        c.add(Spec.encode(spec));
        return c;
    }

    static ProcessBuilder builder(String op, Properties spec) {
        ProcessBuilder pb = new ProcessBuilder(command(op, spec));
        pb.environment().remove("FUSE_OVERLAY_RUNTIME_ROOT");
        return pb;
    }

    /** The inside JVM of a started launch (the child of unshare), once it exists. */
    static ProcessHandle inside(Process p) {
        for (int i = 0; i < 200; i++) {
            var child = p.toHandle().children().findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            if (!p.isAlive()) {
                return null;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** Runs an operation inside with our stdio, and returns its exit status. */
    static int runInside(String op, Properties spec) throws Exception {
        Process p = builder(op, spec).inheritIO().start();
        Signals.install(sig -> {
            ProcessHandle in = inside(p);
            if (in != null) {
                Posix.C.kill((int) in.pid(), sig);
            }
        }, false);
        return p.waitFor();
    }
}
