package dev.fuseoverlay.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's pure parts: state layout, layer resolution, ID maps, users, the bwrap command line. */
class LauncherPartsTest {
    @TempDir
    Path tmp;

    static final String A = "a".repeat(64), B = "b".repeat(64), C = "c".repeat(64);

    Store storeWithLayers() throws Exception {
        Store s = new Store(tmp.resolve("state"));
        s.init();
        for (String id : List.of(A, B, C)) {
            Files.createDirectories(s.layerDir(id));
            Properties m = new Properties();
            if (id.equals(C)) {
                Spec.putList(m, "parent", List.of(A, B)); // C was committed on A + B
            }
            s.writeLayerMeta(id, m);
        }
        s.setName("base", A);
        s.setName("app", C);
        return s;
    }

    @Test
    void layersResolveByNameIdPrefixOrDirectoryWithParentsFirstAndEachOnce() throws Exception {
        Store s = storeWithLayers();
        assertEquals(List.of(A), s.resolveLayers(List.of("base")));
        assertEquals(List.of(A, B, C), s.resolveLayers(List.of("app")));
        assertEquals(List.of(A, B, C), s.resolveLayers(List.of("base", "app")), "a layer already below is not repeated");
        assertEquals(List.of(B), s.resolveLayers(List.of("bbbb")));
        assertEquals(List.of(B), s.resolveLayers(List.of("sha256:" + B)));
        Path dir = Files.createDirectories(tmp.resolve("extra"));
        assertEquals(List.of(A, "dir:" + dir.toRealPath()), s.resolveLayers(List.of("base", dir.toString())));
        RuntimeException125 e = assertThrows(RuntimeException125.class, () -> s.resolveLayers(List.of("nope")));
        assertTrue(e.getMessage().startsWith("no layer named 'nope'"), e.getMessage());
        assertThrows(RuntimeException125.class, () -> s.resolveLayers(List.of("./missing-dir")));
        assertEquals(List.of("base"), s.namesById().get(A));
        assertEquals(List.of(A, B, C), s.layerIds());
    }

    @Test
    void namesAreChecked() {
        Store.checkName("container", "web-1.test_2");
        assertThrows(RuntimeException125.class, () -> Store.checkName("container", "../x"));
        assertThrows(RuntimeException125.class, () -> Store.checkName("layer", "-x"));
        assertThrows(RuntimeException125.class, () -> Store.checkName("layer", "x".repeat(65)));
    }

    @Test
    void aContainerIsRunningWhileItsLockIsHeld() throws Exception {
        Store s = storeWithLayers();
        Files.createDirectories(s.container("c1"));
        assertFalse(s.running("c1"));
        var lock = s.lock("c1");
        assertTrue(lock != null && s.running("c1"));
        lock.release();
        lock.channel().close();
        assertFalse(s.running("c1"));
    }

    @Test
    void stateDirectoryDefaultsToXdgDataHome() {
        assertEquals(Path.of("/x/y").toAbsolutePath(), Store.locate("/x/y").root);
        String xdg = System.getenv("XDG_DATA_HOME");
        String env = System.getenv("FUSE_OVERLAY_RUNTIME_ROOT");
        if (env == null) {
            Path want = xdg != null && !xdg.isEmpty() ? Path.of(xdg, "fuse-overlay-runtime")
                    : Path.of(System.getenv("HOME"), ".local/share/fuse-overlay-runtime");
            assertEquals(want, Store.locate(null).root);
        }
    }

    @Test
    void subordinateRangeIsTheFirstLineOfTheUserByNameOrId() {
        String file = "alice:100000:65536\nbob:165536:65536\n1001:300000:1000\nbob:500000:65536\n";
        assertEquals(new Preflight.SubRange(165536, 65536), Preflight.parseSubRange(file, "bob", 1000));
        assertEquals(new Preflight.SubRange(300000, 1000), Preflight.parseSubRange(file, "carol", 1001));
        assertNull(Preflight.parseSubRange(file, "root", 0), "root matches no one else's line");
        assertNull(Preflight.parseSubRange("", "bob", 1000));
    }

    @Test
    void idMapsTranslateContainerAndHostIds() {
        List<IdMap.Range> map = IdMap.parse("         0       1000          1\n         1     100000      65535\n");
        IdMap container = new IdMap(map, map, false), host = new IdMap(map, map, true);
        assertEquals(0, container.uid(0));
        assertEquals(42, container.uid(42));
        assertEquals(65535, container.uid(65535));
        assertEquals(-1, container.uid(65536), "beyond the range: the caller falls back to root");
        assertEquals(0, host.uid(1000), "the user's own files become root's");
        assertEquals(41, host.uid(100040), "a subordinate ID becomes the container ID it stands for");
        assertEquals(7, host.uid(7), "any other owner keeps its number");
        assertEquals(65535, container.maxUid());
    }

    @Test
    void usersComeFromTheContainersPasswd() throws Exception {
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nwww:x:33:34::/var/www:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:\nusers:x:100:www,bob\n");
        assertEquals(new ContainerUser(0, 0, "/root"), ContainerUser.resolve(null, root));
        assertEquals(new ContainerUser(33, 34, "/var/www", List.of(34, 100)), ContainerUser.resolve("www", root));
        assertEquals(new ContainerUser(33, 50, "/var/www", List.of(50, 100)), ContainerUser.resolve("33:staff", root));
        assertEquals(new ContainerUser(1000, 0, "/"), ContainerUser.resolve("1000", root));
        assertEquals(new ContainerUser(1000, 1000, "/"), ContainerUser.resolve("1000:1000", root));
        assertThrows(RuntimeException125.class, () -> ContainerUser.resolve("nobody", root));
        assertThrows(RuntimeException125.class, () -> ContainerUser.resolve("0:wheel", root));
    }

    @Test
    void specSurvivesTheTripAsOneArgument() {
        Properties p = new Properties();
        Spec.putList(p, "arg", List.of("sh", "-c", "echo 'a b' \"$x\"\n\u00e9", "\u65e5\u672c \ud83d\ude00"));
        Properties q = Spec.decode(Spec.encode(p));
        assertEquals(Spec.getList(p, "arg"), Spec.getList(q, "arg"));
        assertTrue(Spec.encode(p).matches("[A-Za-z0-9+/=]+"));
    }

    @Test
    void aCommandsAtArgumentsStayArguments(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path body = java.nio.file.Files.writeString(tmp.resolve("body.json"), "from-the-host");
        picocli.CommandLine cl = RuntimeMain.commandLine();
        picocli.CommandLine.ParseResult r = cl.parseArgs("run", "--layer", "d", "--", "curl", "-d", "@" + body);
        RuntimeMain.Run run = (RuntimeMain.Run) r.subcommand().commandSpec().userObject();
        assertEquals(List.of("curl", "-d", "@" + body), run.command);
    }

    @Test
    void theWorkingDirectoryIsMadeInsideTheContainersRoot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path root = java.nio.file.Files.createDirectories(tmp.resolve("root/data"));
        root = root.getParent();
        java.nio.file.Path outside = java.nio.file.Files.createDirectories(tmp.resolve("outside"));
        java.nio.file.Files.createSymbolicLink(root.resolve("srv"), java.nio.file.Path.of("/data"));
        java.nio.file.Files.createSymbolicLink(root.resolve("host"), outside);   // the host's path, missing in the image
        ContainerRun.makeWorkdir(root.toString(), "/srv/new/deeper");
        assertTrue(java.nio.file.Files.isDirectory(root.resolve("data/new/deeper")), "made where the image's /srv leads");
        RuntimeException125 e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException125.class,
                () -> ContainerRun.makeWorkdir(tmp.resolve("root").toString(), "/host/new"));
        assertEquals("cannot create the working directory /host/new: /host: No such file or directory", e.getMessage());
        assertFalse(java.nio.file.Files.exists(outside.resolve("new")), "made on the host through the image's symlink");
        ContainerRun.makeWorkdir(root.toString(), "/a/../b/");
        assertTrue(java.nio.file.Files.isDirectory(root.resolve("b")));
        ContainerRun.makeWorkdir(root.toString(), "/");
    }

    @Test
    void anImportThatNoLongerRunsIsSweptAndOneInProgressIsNot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        Store s = new Store(tmp);
        s.init();
        Store.Import dead = s.newImport();
        java.nio.file.Files.writeString(dead.dir().resolve("half"), "x");
        dead.close();                                            // ended by a signal: its lock is free
        assertTrue(java.nio.file.Files.exists(dead.lockFile()), "a directory left keeps its lock file");
        try (Store.Import running = s.newImport()) {
            assertEquals(1, s.sweepImports(new dev.fuseoverlay.realfs.RealFs(null)));
            assertFalse(java.nio.file.Files.exists(dead.dir()));
            assertFalse(java.nio.file.Files.exists(dead.lockFile()));
            assertTrue(java.nio.file.Files.isDirectory(running.dir()), "an import in progress was swept");
        }
    }

    /**
     * The same across processes, where the lock is the kernel's: an import another process runs is not
     * swept while that process lives, and is once it was killed.
     */
    @Test
    void anImportOfAnotherProcessIsSweptOnlyOnceThatProcessIsGone(@TempDir Path tmp) throws Exception {
        Store s = new Store(tmp);
        s.init();
        String jvm = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(jvm, "-cp", System.getProperty("java.class.path"), HoldImport.class.getName(), tmp.toString())
                .redirectErrorStream(true).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            assertTrue(line != null && line.startsWith("import "), "the other process did not start its import: " + line);
            Path dir = Path.of(line.substring("import ".length()));
            assertEquals(0, s.sweepImports(new dev.fuseoverlay.realfs.RealFs(null)));
            assertTrue(Files.isDirectory(dir), "the other process's import in progress was swept");
            p.destroyForcibly(); // SIGKILL: its lock goes with it
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, s.sweepImports(new dev.fuseoverlay.realfs.RealFs(null)));
            assertFalse(Files.exists(dir));
        } finally {
            p.destroyForcibly();
        }
    }

    /** An import in progress, in a process of its own: prints its directory, then waits to be killed. */
    static final class HoldImport {
        public static void main(String[] args) throws Exception {
            Store.Import i = new Store(Path.of(args[0])).newImport();
            Files.writeString(i.dir().resolve("half"), "x");
            System.out.println("import " + i.dir());
            System.out.flush();
            Thread.sleep(120_000);
        }
    }

    /**
     * An exported directory's archive that ends early, between members or inside one, is refused with the
     * early end as its cause (commit reports its writer's failure instead, by that cause), and nothing is
     * stored or left in tmp/.
     */
    @Test
    void anArchiveThatEndsEarlyIsRefusedWithTheEndAsItsCause(@TempDir Path tmp) throws Exception {
        Store s = new Store(tmp);
        s.init();
        TarEntry file = TarTest.entry("f", TarEntry.FILE, 10_000);
        byte[] whole = TarTest.archive(TarTest.entry("d/", TarEntry.DIR, 0), file);
        Properties spec = new Properties();
        spec.setProperty("store", tmp.toString());
        spec.setProperty("label", "commit");
        for (int cut : new int[] {whole.length - 1024, 512 + 512 + 4096}) { // no end-of-archive blocks; inside f
            byte[] part = java.util.Arrays.copyOf(whole, cut);
            RuntimeException125 e = assertThrows(RuntimeException125.class,
                    () -> Inside.importLayer(spec, new java.io.ByteArrayInputStream(part), true));
            assertTrue(e.getCause() instanceof java.io.EOFException, cut + ": " + e.getMessage() + " caused by " + e.getCause());
            try (var left = Files.list(s.layers())) {
                assertEquals(List.of(), left.toList(), "stored from an archive cut at " + cut);
            }
            try (var left = Files.list(s.tmp())) {
                assertEquals(List.of(), left.toList(), "left in tmp/ from an archive cut at " + cut);
            }
        }
        assertEquals(0, Inside.importLayer(spec, new java.io.ByteArrayInputStream(whole), true), "the whole archive");
    }

    @Test
    void bwrapCommandLine() {
        Properties spec = new Properties();
        spec.setProperty("hostname", "web");
        spec.setProperty("net", "none");
        spec.setProperty("tty", "true");
        spec.setProperty("workdir", "/srv");
        Spec.putList(spec, "env", List.of("PATH=/bin", "A=1"));
        Spec.putList(spec, "arg", List.of("id", "-u"));
        List<String> c = new ContainerRun(spec).bwrapCommand(Path.of("/m"), new ContainerUser(33, 34, "/var/www"), "/srv");
        String s = String.join(" ", c);
        assertTrue(c.get(0).endsWith("bwrap"), s);
        for (String want : List.of("--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts --hostname web",
                "--unshare-net", "--bind /m /newroot", "--proc /newroot/proc", "--dev /newroot/dev",
                "--perms 1777 --tmpfs /newroot/tmp", "--clearenv", "--setenv PATH /bin", "--setenv A 1",
                "--setenv HOME /var/www", "--setenv HOSTNAME web", "--ctty", "--regid=34 --groups=34 --", "--root=/newroot --wd=/srv --setuid 33 -- id -u")) {
            assertTrue(s.contains(want), want + " in " + s);
        }
        assertFalse(s.contains("PATH /usr/local/sbin"), "-e replaces a default");
        spec.setProperty("net", "host");
        spec.setProperty("tty", "false");
        Spec.putList(spec, "arg", Collections.emptyList());
        spec.remove("arg.0");
        spec.remove("arg.1");
        String t = String.join(" ", new ContainerRun(spec).bwrapCommand(Path.of("/m"), new ContainerUser(0, 0, "/root"), "/"));
        assertFalse(t.contains("--unshare-net") || t.contains("--ctty"), t);
        assertTrue(t.endsWith("--regid=0 --groups=0 -- " + Preflight.which("unshare") + " --root=/newroot --wd=/ --setuid 0 -- /bin/sh"), t);
    }

    @Test
    void sizesForListings() {
        assertEquals("999 B", Format.size(999));
        assertEquals("1.5 kB", Format.size(1500));
        assertEquals("199 MB", Format.size(199_000_000));
    }
}
