package dev.fuseoverlay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code fuse-overlay tour}, run for real: every experiment shows what it
 * promises, it exits 0, and it leaves no mount, no server and no layers behind (unless --keep).
 */
class StudyToolsIT {
    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    @Test
    void tourRunsEveryExperimentAndCleansUp() throws Exception {
        Path log = ItSupport.OUT.resolve("tour.log");
        Path keep = ItSupport.OUT.resolve("tour-kept");
        Files.createDirectories(ItSupport.OUT);
        if (Files.exists(keep)) { // an earlier run's: --keep takes a new or empty directory only
            try (var old = Files.walk(keep)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        Files.createDirectories(keep);
        Files.setPosixFilePermissions(keep, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        Process p = ItSupport.start(log, ItSupport.LAUNCHER.toString(), "tour", "--keep", keep.toString());
        assertEquals(0, ItSupport.await(p, Duration.ofSeconds(180), "fuse-overlay tour"), ItSupport.tail(log, 40));
        String out = ItSupport.read(log);
        for (String expected : new String[] {
            "menu: espresso, latte, flat white",                       // the upper of two layers wins
            "fuse-overlay: open /etc/nginx/nginx.conf for write: copy-up 20 bytes from lower 0 into upper",
            "etc/os-release               whiteout (char device 0/0)",
            "usr/share/doc                dir, opaque (trusted.overlay.opaque=y)",
            "rename: Invalid cross-device link",
            "north  menu: matcha",
            "east   menu: espresso, latte",
            "hidden: 8.0 MiB",                                         // delete does not save space
            "SERVES IT: the topmost layer that has it",
            "D /etc/os-release",
        }) {
            assertTrue(out.contains(expected), "tour output lacks: " + expected + "\n" + ItSupport.tail(log, 80));
        }
        assertTrue(Files.isDirectory(keep.resolve("upper/etc")), "--keep leaves the layers");
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keep)),
                "--keep's directory keeps its own mode");
        assertTrue(Files.exists(keep.resolve("trace.log")));
        assertFalse(String.join("\n", Files.readAllLines(Path.of("/proc/self/mountinfo"))).contains("fuse-overlay-tour"), "no mount left");
        try (var procs = Files.list(Path.of("/proc"))) {
            assertFalse(procs.anyMatch(StudyToolsIT::isTourServer), "no fuse-overlay server of the tour left");
        }
    }

    /**
     * Each study subcommand has its own --help (exit 0, its usage), and refuses what it does not know in one
     * line that names its help, exit 2; the tour in particular does not start for a mistyped option.
     */
    @Test
    void subcommandsHaveTheirOwnHelpAndRefuseUnknownArguments() throws Exception {
        Path dir = ItSupport.OUT.resolve("study-cli");
        Files.createDirectories(dir.resolve("lower"));
        for (String cmd : new String[] {"tour", "explain", "diff", "layers", "df"}) {
            Path log = dir.resolve(cmd + "-help.log");
            assertEquals(0, ItSupport.await(ItSupport.start(log, ItSupport.LAUNCHER.toString(), cmd, "--help"),
                    Duration.ofSeconds(60), cmd + " --help"), ItSupport.read(log));
            String name = cmd.equals("df") ? "layers" : cmd;
            assertTrue(ItSupport.read(log).startsWith("Usage: fuse-overlay " + name), cmd + " --help:\n" + ItSupport.read(log));
        }
        String lower = dir.resolve("lower").toString();
        String[][] bad = {
            {"tour", "--bogus"}, {"diff", "--jsno", lower}, {"diff", lower, "extra"},
            {"explain", "-o", "lowerdir=" + lower, "--bogus", "/f"}, {"layers", "-o", "lowerdir=" + lower, "--mnt", "x"},
        };
        for (String[] args : bad) {
            Path log = dir.resolve("bad.log");
            String[] cmd = new String[args.length + 1];
            cmd[0] = ItSupport.LAUNCHER.toString();
            System.arraycopy(args, 0, cmd, 1, args.length);
            int rc = ItSupport.await(ItSupport.start(log, cmd), Duration.ofSeconds(60), String.join(" ", args));
            String out = ItSupport.read(log);
            assertEquals(2, rc, String.join(" ", args) + ":\n" + out);
            assertTrue(out.endsWith("(see fuse-overlay " + args[0] + " --help)\n") && out.lines().count() == 1,
                    String.join(" ", args) + ": one line naming the subcommand's help, was:\n" + out);
        }
        Path log = dir.resolve("keep.log"); // the layers would be mixed into a directory with contents
        assertEquals(1, ItSupport.await(ItSupport.start(log, ItSupport.LAUNCHER.toString(), "tour", "--keep", dir.toString()),
                Duration.ofSeconds(60), "tour --keep DIR"), ItSupport.read(log));
        assertEquals("fuse-overlay: --keep " + dir + ": must be a new or empty directory\n", ItSupport.read(log));
    }

    /** Names are printed as the UTF-8 they are (the JVM's own charset is ISO-8859-1, names being bytes). */
    @Test
    void namesArePrintedAsTheirUtf8() throws Exception {
        Path dir = ItSupport.OUT.resolve("study-utf8");
        Files.createDirectories(dir.resolve("lower/caf\u00e9"));
        Files.createDirectories(dir.resolve("upper/\u65e5\u672c"));
        Files.createDirectories(dir.resolve("upper/caf\u00e9/new"));
        Path log = dir.resolve("diff.log");
        assertEquals(0, ItSupport.await(ItSupport.start(log, ItSupport.LAUNCHER.toString(), "diff", "-o",
                "lowerdir=" + dir.resolve("lower"), dir.resolve("upper").toString()), Duration.ofSeconds(60), "diff"));
        assertEquals(java.util.List.of("A /caf\u00e9/new", "A /\u65e5\u672c", "C /caf\u00e9"),
                Files.readAllLines(log, java.nio.charset.StandardCharsets.UTF_8).stream().sorted().toList());
        Path err = dir.resolve("err.log");
        assertEquals(1, ItSupport.await(ItSupport.start(err, ItSupport.LAUNCHER.toString(), "-o",
                "lowerdir=" + dir.resolve("gone-\u00fc"), dir.toString()), Duration.ofSeconds(60), "mount"));
        assertEquals("fuse-overlay: lowerdir " + dir.resolve("gone-\u00fc") + ": No such file or directory\n",
                Files.readString(err, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static boolean isTourServer(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), java.nio.charset.StandardCharsets.ISO_8859_1).contains("fuse-overlay-tour");
        } catch (Exception e) {
            return false;
        }
    }
}
