package dev.fuseoverlay.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The runtime as an ordinary user would run it, on a real Debian root filesystem.
 *
 * <p>Runs as root (as CI does) only to prepare: it creates an unprivileged user with a subordinate ID range
 * (removed again at the end), and runs every command of that user in a private mount namespace where a
 * mode-0666 node is bound over /dev/fuse, so the machine's own /dev/fuse is never changed. The base layer
 * is a {@code debootstrap --variant=minbase} tree of the host's Debian release, built once and cached as
 * a tar in /var/tmp/fuse-overlay-test-cache (delete it to rebuild). Every test fails, never skips, when
 * something it needs is missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeIT {
    static final String USER = "fo-runtime-it";
    /** A subordinate range far from the usual 100000+ ones. */
    static final long SUB_START = 1_700_000_000L, SUB_COUNT = 65536;
    static final Path CACHE = Path.of("/var/tmp/fuse-overlay-test-cache");

    static Path work;      // root-owned workspace, 0755
    static Path home;      // the test user's home (owned by the user)
    static Path state;     // the runtime's --root
    static Path wrapper;   // runs a command as the test user
    static Path runtime;   // a copy of ./runtime with the jar beside it, readable by the test user
    static Path baseTar;
    static int uid, gid;
    static boolean addedSubIds;

    // ---- set-up and tear-down -------------------------------------------------------------------------

    @BeforeAll
    static void setUp() throws Exception {
        assertEquals("0", sh("id -u").out.trim(), "RuntimeIT prepares a test user and needs root (CI runs as root)");
        assertTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is missing: the runtime tests need FUSE (modprobe fuse)");
        Path jar = Path.of("target/fuse-overlay.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "target/fuse-overlay.jar is missing: run mvn verify (package comes first)");
        for (String tool : List.of("unshare", "setpriv", "newuidmap", "newgidmap", "bwrap", "script", "dpkg-deb")) {
            assertTrue(Preflight.which(tool) != null, tool + " is missing (src/build/install-deps installs the runtime's packages)");
        }
        baseTar = debianBase();

        work = Files.createTempDirectory(Path.of("/var/tmp"), "fo-runtime-it.");
        sh("chmod 0755 " + work);
        home = work.resolve("home");
        state = home.resolve("state");
        Files.createDirectories(work.resolve("app/target"));
        runtime = work.resolve("app/runtime");
        Files.copy(Path.of("runtime").toAbsolutePath(), runtime);
        Files.copy(jar, work.resolve("app/target/fuse-overlay.jar"));
        sh("chmod -R a+rX " + work.resolve("app"));

        createUser();
        Files.createDirectories(home);
        sh("chown " + uid + ":" + gid + " " + home);
        wrapper = work.resolve("as-user");
        Files.writeString(wrapper, String.join("\n",
                "#!/bin/bash",
                "# Runs \"$@\" as " + USER + " in a private mount namespace whose /dev/fuse is usable by everyone.",
                "exec unshare --mount --propagation private -- bash -c '",
                "  n=$(mktemp -d /var/tmp/fo-runtime-it-fuse.XXXXXX) || exit 99",
                "  mknod -m 0666 \"$n/fuse\" c 10 229 && mount --bind \"$n/fuse\" /dev/fuse; rc=$?; rm -rf \"$n\"; [ $rc = 0 ] || exit 99",
                "  cd " + home + " || exit 99",
                "  exec setpriv --reuid=" + uid + " --regid=" + gid + " --init-groups -- env -i --default-signal=INT,TERM,HUP \\",
                "    HOME=" + home + " USER=" + USER + " LOGNAME=" + USER + " PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \\",
                "    \"$@\"' bash \"$@\"", ""));
        sh("chmod 0755 " + wrapper);

        // The package dpkg installs, in a directory the test user owns (used as a top layer).
        Path pkg = home.resolve("pkg");
        Files.createDirectories(pkg.resolve("DEBIAN"));
        Files.createDirectories(pkg.resolve("usr/bin"));
        Files.writeString(pkg.resolve("DEBIAN/control"), "Package: fo-hello\nVersion: 1.0\nArchitecture: all\n"
                + "Maintainer: fuse-overlay tests <tests@localhost>\nDescription: tiny package for the runtime tests\n");
        Files.writeString(pkg.resolve("DEBIAN/postinst"), "#!/bin/sh\nset -e\nuseradd --system --no-create-home hello\n"
                + "mkdir -p /var/lib/fo-hello\nchown hello:nogroup /var/lib/fo-hello\n");
        Files.writeString(pkg.resolve("usr/bin/fo-hello"), "#!/bin/sh\necho hello from a package\n");
        sh("chmod 0755 " + pkg.resolve("DEBIAN/postinst") + " " + pkg.resolve("usr/bin/fo-hello"));
        Path debs = home.resolve("debs/opt");
        Files.createDirectories(debs);
        sh("dpkg-deb --root-owner-group --build " + pkg + " " + debs.resolve("fo-hello.deb") + " >/dev/null");
        sh("chown -R " + uid + ":" + gid + " " + home);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (uid > 0) {
                // Whatever of the test user's is still running is a leak: report it, then end it (by PID).
                String left = sh("pgrep -u " + uid + " -a || true").out.trim();
                for (String line : left.split("\n")) {
                    if (!line.isBlank()) {
                        sh("kill -9 " + line.split(" ")[0] + " 2>/dev/null || true");
                    }
                }
                assertEquals("", left, "processes of the test user left after the tests");
            }
            String mounts = String.join("\n", Files.readAllLines(Path.of("/proc/self/mountinfo")));
            assertFalse(work != null && mounts.contains(work.toString()), "a mount under the test workspace is left:\n" + mounts);
        } finally {
            if (work != null) {
                sh("rm -rf " + work);
            }
            if (addedSubIds) {
                sh("userdel " + USER + " 2>/dev/null; sed -i '/^" + USER + ":/d' /etc/subuid /etc/subgid");
            }
        }
    }

    /** The test user with a subordinate range: created if missing, removed again by tearDown. */
    static void createUser() throws Exception {
        if (sh("id -u " + USER + " 2>/dev/null || true").out.isBlank()) {
            sh("useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /bin/sh " + USER);
        }
        uid = Integer.parseInt(sh("id -u " + USER).out.trim());
        gid = Integer.parseInt(sh("id -g " + USER).out.trim());
        for (String f : List.of("/etc/subuid", "/etc/subgid")) {
            sh("touch " + f + "; sed -i '/^" + USER + ":/d' " + f + "; echo '" + USER + ":" + SUB_START + ":" + SUB_COUNT + "' >> " + f);
        }
        addedSubIds = true;
    }

    /** A minbase Debian of the host's release as a tar (numeric owners), built once and kept in /var/tmp. */
    static Path debianBase() throws Exception {
        String codename = sh(". /etc/os-release && echo $VERSION_CODENAME").out.trim();
        Path tar = CACHE.resolve("debian-" + codename + "-minbase.tar");
        if (Files.isRegularFile(tar)) {
            return tar;
        }
        Files.createDirectories(CACHE);
        if (Preflight.which("debootstrap") == null) {
            Sh r = sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1"
                    + " || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }");
            assertEquals(0, r.code, "cannot install debootstrap: " + r.err);
        }
        Path dir = Files.createTempDirectory(CACHE, "debootstrap.");
        try {
            Sh r = sh("debootstrap --variant=minbase " + codename + " " + dir + " > " + dir + ".log 2>&1");
            assertEquals(0, r.code, "debootstrap failed (is the Debian mirror reachable?): see " + dir + ".log");
            Path part = CACHE.resolve(tar.getFileName() + ".part");
            assertEquals(0, sh("tar --numeric-owner --xattrs -C " + dir + " -cf " + part + " . && chmod 0644 " + part).code);
            Files.move(part, tar, StandardCopyOption.ATOMIC_MOVE);
            sh("rm -f " + dir + ".log");
        } finally {
            sh("rm -rf " + dir);
        }
        sh("chmod 0755 " + CACHE);
        return tar;
    }

    // ---- the tests --------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void preconditionsAreCheckedUpFrontOneLineEach() throws Exception {
        // nobody has no subordinate range; and unless the machine's /dev/fuse is 0666, it may not open it either.
        Sh r = run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "env", "-i", "HOME=/nonexistent",
                "PATH=/usr/bin:/bin:/usr/sbin:/sbin", runtime.toString(), "--root", work.resolve("nobody").toString(),
                "run", "--layer", "debian", "--", "true"), 60);
        assertEquals(125, r.code, r.err);
        assertTrue(r.err.contains("runtime: no subordinate UID range for nobody"), r.err);
        assertTrue(r.err.contains("runtime: no subordinate GID range for nobody"), r.err);
        for (String line : r.err.split("\n")) {
            assertTrue(line.startsWith("runtime: "), "one line per problem: " + r.err);
        }
        assertFalse(Files.exists(work.resolve("nobody")), "nothing is created before the checks pass");
    }

    @Test
    @Order(2)
    void importsTheBaseAsTheUsersMappedIds() throws Exception {
        Sh r = rt("import", baseTar.toString(), "--name", "debian");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("debian sha256:"), r.out);
        String id = r.out.split("sha256:")[1].substring(0, 64);
        Path layer = state.resolve("layers/" + id);
        // Container root is the user; container uid 42 (_apt... any non-root owner) is SUB_START + 41.
        assertEquals(uid + ":" + gid, sh("stat -c %u:%g " + layer.resolve("etc/passwd")).out.trim());
        String shadowGroup = sh("stat -c %g " + layer.resolve("etc/shadow")).out.trim();
        assertEquals(Long.toString(SUB_START + 42 - 1), shadowGroup, "group shadow (42) maps into the subordinate range");
        Sh again = rt("import", baseTar.toString(), "--name", "debian-again");
        assertTrue(again.out.contains(id) && again.out.contains("already stored"), again.out);
        Sh layers = rt("layers");
        assertTrue(layers.out.contains("debian ") && layers.out.contains("debian-again") && layers.out.contains(id.substring(0, 12)), layers.out);
    }

    @Test
    @Order(3)
    void rootIsTheUserAndOtherIdsAreSubordinate() throws Exception {
        Sh r = rt("run", "--rm", "--layer", "debian", "--", "sh", "-c",
                "id; id -u nobody; echo hi > /tmp/t && cat /tmp/t; touch /etc/by-root; mkdir -p /home/u;"
                        + " chown 1000:1000 /home/u; su -s /bin/sh -c 'id' nobody");
        assertEquals(0, r.code, r.err);
        assertEquals(List.of("uid=0(root) gid=0(root) groups=0(root)", "65534", "hi",
                "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"), lines(r.out));
        Sh u = rt("run", "--rm", "--user", "1000:1000", "--layer", "debian", "--", "id");
        assertEquals("uid=1000 gid=1000 groups=1000", u.out.trim(), u.err);
        Sh n = rt("run", "--rm", "--user", "nobody", "-w", "/tmp", "--layer", "debian", "--", "sh", "-c", "id -un; pwd; touch x && ls -l x");
        assertEquals(0, n.code, n.err);
        assertTrue(n.out.startsWith("nobody\n/tmp\n-rw-r--r-- 1 nobody nogroup 0 "), n.out);
    }

    @Test
    @Order(4)
    void writesLandInTheUpperAndDeletesLeaveWhiteouts() throws Exception {
        Sh r = rt("run", "--name", "w", "--layer", "debian", "--", "sh", "-c",
                "echo new > /etc/new-file && echo changed >> /etc/issue && rm /etc/debian_version && mkdir /srv/d && chown 1000:1000 /srv/d"
                        + " && echo tmp > /tmp/gone && ls /etc/debian_version 2>&1; true");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("No such file or directory"), r.out);
        Path upper = state.resolve("containers/w/upper");
        assertEquals("new", Files.readString(upper.resolve("etc/new-file")).trim());
        assertTrue(Files.readString(upper.resolve("etc/issue")).endsWith("changed\n"), "copy-up of /etc/issue");
        assertEquals("character special file 0:0", sh("stat -c '%F %t:%T' " + upper.resolve("etc/debian_version")).out.trim(),
                "a kernel-format whiteout in the upper");
        assertEquals((SUB_START + 999) + ":" + (SUB_START + 999), sh("stat -c %u:%g " + upper.resolve("srv/d")).out.trim());
        assertFalse(Files.exists(upper.resolve("tmp/gone")), "/tmp is a tmpfs, not the upper");
        // The base layer is untouched, and the container's changes are there when it runs again.
        Sh again = rt("run", "--name", "w", "--", "sh", "-c", "cat /etc/new-file; test -e /etc/debian_version || echo gone");
        assertEquals(List.of("new", "gone"), lines(again.out), again.err);
        assertTrue(rt("run", "--rm", "--layer", "debian", "--", "cat", "/etc/debian_version").out.matches("\\d+(\\.\\d+)?\n"));
    }

    @Test
    @Order(5)
    void dpkgInstallsAPackage() throws Exception {
        Sh r = rt("run", "--name", "pkg", "--layer", "debian", "--layer", home.resolve("debs").toString(), "--", "sh", "-c",
                "dpkg -i /opt/fo-hello.deb && fo-hello && stat -c '%U:%G' /var/lib/fo-hello && dpkg -s fo-hello | grep Status");
        assertEquals(0, r.code, r.out + r.err);
        assertEquals(List.of("hello from a package", "hello:nogroup", "Status: install ok installed"),
                lines(r.out).subList(lines(r.out).size() - 3, lines(r.out).size()), r.out);
        String owner = sh("stat -c %u " + state.resolve("containers/pkg/upper/var/lib/fo-hello")).out.trim();
        assertTrue(Long.parseLong(owner) > SUB_START, "the package's user is a subordinate ID on the host: " + owner);
    }

    @Test
    @Order(6)
    void aProgramForksAndReapsItsChildren() throws Exception {
        Sh r = rt("run", "--rm", "--layer", "debian", "--", "bash", "-c",
                "pids=(); for i in 1 2 3; do (sleep 0.$i; exit $i) & pids+=($!); done;"
                        + " for p in ${pids[@]}; do wait $p; echo child $?; done;"
                        + " (sleep 0.2 & ) ; sleep 0.6;" // an orphan: the container's init must reap it
                        + " z=0; for s in /proc/[0-9]*/stat; do read -r _ _ st _ < $s; [ \"$st\" = Z ] && z=$((z+1)); done; echo zombies $z;"
                        + " echo pid $$");
        assertEquals(List.of("child 1", "child 2", "child 3", "zombies 0", "pid 2"), lines(r.out), r.err);
    }

    @Test
    @Order(7)
    void twoContainersRunAtOnceOnOneBase() throws Exception {
        List<Process> ps = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        for (String n : List.of("a", "b")) {
            Path out = work.resolve("two-" + n + ".out");
            outs.add(out);
            ps.add(start(List.of(wrapper.toString(), runtime.toString(), "--root", state.toString(), "run", "--name", "two-" + n,
                    "--layer", "debian", "--", "sh", "-c", "echo " + n + " > /etc/who; hostname; while [ ! -e /tmp/stop ] && [ $((i=i+1)) -lt 50 ]; do sleep 0.1; done; cat /etc/who"),
                    out));
        }
        // Both are running at the same time.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String ps2 = "";
        while (System.nanoTime() < deadline) {
            ps2 = rt("ps").out;
            if (ps2.lines().filter(l -> l.startsWith("two-") && l.contains("running")).count() == 2) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(2, ps2.lines().filter(l -> l.startsWith("two-") && l.contains("running")).count(), ps2);
        for (int i = 0; i < 2; i++) {
            assertTrue(ps.get(i).waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, ps.get(i).exitValue(), Files.readString(outs.get(i)));
        }
        assertEquals(List.of("two-a", "a"), lines(Files.readString(outs.get(0))));
        assertEquals(List.of("two-b", "b"), lines(Files.readString(outs.get(1))));
        assertEquals(0, rt("rm", "two-a", "two-b").code);
    }

    @Test
    @Order(8)
    void netNoneHasOnlyLoopback() throws Exception {
        String cmd = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' '";
        Sh none = rt("run", "--rm", "--net", "none", "--layer", "debian", "--", "sh", "-c", cmd);
        assertEquals("lo ", none.out, none.err);
        Sh host = rt("run", "--rm", "--layer", "debian", "--", "sh", "-c", cmd);
        assertEquals(sh(cmd).out, host.out, "--net host (the default) shares the machine's interfaces");
    }

    @Test
    @Order(9)
    void exitStatusIsTheCommands() throws Exception {
        assertEquals(3, rt("run", "--rm", "--layer", "debian", "--", "sh", "-c", "exit 3").code);
        assertEquals(137, rt("run", "--rm", "--layer", "debian", "--", "sh", "-c", "kill -9 $$").code);
        Sh words = rt("run", "--rm", "--layer", "debian", "--", "echo", "\u65e5\u672c \u00e9", "@/etc/passwd");
        assertEquals("\u65e5\u672c \u00e9 @/etc/passwd\n", words.out, "arguments as given; " + words.err);
        Sh missing = rt("run", "--rm", "--layer", "debian", "--", "no-such-command");
        assertEquals(127, missing.code, missing.err);
        Sh noLayer = rt("run", "--rm", "--layer", "no-such-layer", "--", "true");
        assertEquals(125, noLayer.code);
        assertTrue(noLayer.err.startsWith("runtime: no layer named 'no-such-layer'"), noLayer.err);
    }

    @Test
    @Order(10)
    void signalsReachTheCommand() throws Exception {
        Path out = work.resolve("sig.out");
        Process p = start(runtimeCommand("run", "--rm", "--layer", "debian", "--", "sh", "-c",
                "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.1; done"), out);
        waitFor(out, "ready");
        Posix.C.kill((int) p.pid(), Posix.SIGTERM);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM ended the container");
        assertEquals(42, p.exitValue(), Files.readString(out));
        assertEquals(List.of("ready", "got TERM"), lines(Files.readString(out)));

        // A command without a handler dies of the signal (it is not the container's pid 1).
        Process q = start(runtimeCommand("run", "--rm", "--layer", "debian", "--", "sh", "-c", "echo ready; exec sleep 100"), out);
        waitFor(out, "ready");
        Thread.sleep(200);
        Posix.C.kill((int) q.pid(), Posix.SIGINT);
        assertTrue(q.waitFor(30, TimeUnit.SECONDS), "SIGINT ended the container");
        assertEquals(130, q.exitValue());
    }

    @Test
    @Order(11)
    void importAppliesWhiteoutsAndStoresEachLayerOnce() throws Exception {
        Path tree = home.resolve("wh-layer");
        sh("mkdir -p " + tree + "/etc " + tree + "/usr/share/doc && touch " + tree + "/etc/.wh.issue " + tree
                + "/usr/share/doc/.wh..wh..opq && echo only > " + tree + "/usr/share/doc/only-this && echo added > " + tree + "/added");
        Path tar = home.resolve("wh.tar");
        sh("tar --numeric-owner --owner=0 --group=0 -C " + tree + " -cf " + tar + " . && gzip -k " + tar
                + " && chown -R " + uid + ":" + gid + " " + home);
        Sh r = rt("import", tar.toString(), "--name", "wh");
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("2 whiteouts"), r.out);
        String id = r.out.split("sha256:")[1].substring(0, 64);
        Sh gz = rt("import", tar + ".gz", "--name", "wh-gz");
        assertTrue(gz.out.contains(id) && gz.out.contains("already stored"), "gzip or not, one layer: " + gz.out);
        // a directory the user cannot read all of: the import fails and stores nothing, under the name or not
        Path half = home.resolve("half-tree");
        sh("mkdir -p " + half + "/a && echo x > " + half + "/a/ok && echo s > " + half + "/z-secret && chown -R " + uid
                + ":" + gid + " " + half + " && chown 0:0 " + half + "/z-secret && chmod 600 " + half + "/z-secret");
        Sh h = rt("import", half.toString(), "--name", "half");
        assertEquals(125, h.code, h.out + h.err);
        assertTrue(h.err.contains("z-secret"), h.err);
        assertFalse(rt("layers").out.lines().anyMatch(l -> l.startsWith("half ")), "a layer cut short was stored");
        try (var left = Files.list(state.resolve("tmp"))) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "the partial import is left in tmp/");
        }
        Sh run = rt("run", "--rm", "--layer", "debian", "--layer", "wh", "--", "sh", "-c",
                "ls /etc/issue 2>&1; ls /usr/share/doc; cat /added; ls -a /etc | grep -c wh");
        assertEquals(List.of("ls: cannot access '/etc/issue': No such file or directory", "only-this", "added", "0"),
                lines(run.out), run.err);
    }

    @Test
    @Order(12)
    void commitFreezesAnUpperIntoALayer() throws Exception {
        assertEquals(0, rt("run", "--name", "build", "--layer", "debian", "--", "sh", "-c",
                "echo built > /etc/built && rm /etc/motd && chown 1000 /etc/built").code);
        Sh c = rt("commit", "build", "--name", "app");
        assertEquals(0, c.code, c.err);
        Sh layers = rt("layers");
        assertTrue(layers.out.lines().anyMatch(l -> l.startsWith("app ") && l.endsWith("debian")), layers.out);
        Sh r = rt("run", "--rm", "--layer", "app", "--", "sh", "-c", "stat -c '%u %n' /etc/built; test -e /etc/motd || echo no motd; cat /etc/debian_version");
        assertEquals(0, r.code, r.err);
        List<String> l = lines(r.out);
        assertEquals(List.of("1000 /etc/built", "no motd"), l.subList(0, 2));
        assertEquals(0, rt("rm", "build").code);
        // rmi deletes the layer (subordinate-owned files) once nothing uses it; a named base stays.
        String id = c.out.split("sha256:")[1].substring(0, 64);
        Sh rmi = rt("rmi", "app");
        assertTrue(rmi.out.contains("deleted sha256:" + id), rmi.out + rmi.err);
        assertFalse(Files.exists(state.resolve("layers/" + id)));
        assertTrue(rt("layers").out.contains("debian "));
    }

    @Test
    @Order(13)
    void rmDeletesUppersOwnedBySubordinateIds() throws Exception {
        Path c = state.resolve("containers/w");
        assertTrue(Files.isDirectory(c.resolve("upper/srv/d")));
        Sh r = rt("rm", "w", "pkg");
        assertEquals(0, r.code, r.err);
        assertFalse(Files.exists(c));
        assertFalse(Files.exists(state.resolve("containers/pkg")));
        assertFalse(rt("ps").out.contains("\nw "));
        assertEquals(125, rt("rm", "w").code);
    }

    @Test
    @Order(14)
    void interactiveShellWithATerminal() throws Exception {
        Path out = work.resolve("tty.out");
        String cmd = String.join(" ", runtimeCommand("run", "--rm", "-it", "--layer", "debian", "--", "bash", "--norc", "-i"));
        // script(1) gives the runtime a terminal, as a user's shell would; we type into script's input.
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        java.io.OutputStream keys = p.getOutputStream();
        waitFor(out, "# ");
        keys.write("test -t 0 && echo term-$((6*7)); sleep 30\n".getBytes(StandardCharsets.US_ASCII));
        keys.flush();
        waitFor(out, "term-42");
        Thread.sleep(1000);
        keys.write(3); // Ctrl-C
        keys.flush();
        Thread.sleep(500);
        keys.write("echo still-$((5*5)); exit 7\n".getBytes(StandardCharsets.US_ASCII));
        keys.flush();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), Files.readString(out));
        String text = Files.readString(out);
        assertTrue(text.contains("term-42"), text);
        assertTrue(text.contains("still-25"), "Ctrl-C stopped sleep, not the shell: " + text);
        assertEquals(7, p.exitValue(), text);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    record Sh(int code, String out, String err) {}

    static List<String> runtimeCommand(String... args) {
        List<String> c = new ArrayList<>(List.of(wrapper.toString(), runtime.toString(), "--root", state.toString()));
        c.addAll(Arrays.asList(args));
        return c;
    }

    /** The runtime as the test user. */
    static Sh rt(String... args) throws Exception {
        return run(runtimeCommand(args), 180);
    }

    static Sh sh(String script) throws Exception {
        return run(List.of("bash", "-c", script), 600);
    }

    static Sh run(List<String> cmd, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile("fo-rt-it", ".out"), err = Files.createTempFile("fo-rt-it", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + cmd + "\n" + Files.readString(out) + Files.readString(err));
            }
            return new Sh(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Process start(List<String> cmd, Path out) throws IOException {
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    static void waitFor(Path out, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(out) && Files.readString(out).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        fail("no '" + text + "' in " + (Files.exists(out) ? Files.readString(out) : "(no output)"));
    }

    static List<String> lines(String s) {
        return s.lines().collect(Collectors.toList());
    }
}
