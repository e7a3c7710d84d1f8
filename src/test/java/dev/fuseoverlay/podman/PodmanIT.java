package dev.fuseoverlay.podman;

import static dev.fuseoverlay.it.ItSupport.await;
import static dev.fuseoverlay.it.ItSupport.lines;
import static dev.fuseoverlay.it.ItSupport.onPath;
import static dev.fuseoverlay.it.ItSupport.read;
import static dev.fuseoverlay.it.ItSupport.start;
import static dev.fuseoverlay.it.ItSupport.tail;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.it.ItSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Podman and buildah on fuse-overlay as containers-storage's {@code mount_program}, as root and rootless,
 * against podman's kernel overlay driver doing the same steps on a graphroot of its own.
 *
 * <p>The work is done by the shell harnesses in {@code src/test/sh/podman/} (each in a private mount and
 * pid namespace with its own storage.conf and containers.conf in a temporary directory; nothing
 * system-wide is configured), all three side by side:
 * <ul>
 * <li>{@code rootful kernel} and {@code rootful fuse}: import a small root filesystem (built from the
 * host's binaries by {@code mkrootfs}) as an image; {@code podman run} the steps in
 * {@code src/test/resources/podman/steps.sh} (dpkg -i, delete and re-create a lower directory, create
 * and remove many files, ...); {@code podman diff}; {@code podman commit}; list the committed image from
 * a container of it; a live container seen from the host; {@code podman image mount}; a two-stage
 * {@code podman build} with {@code COPY --from}; buildah from/run/copy/commit; a 101-layer image with
 * AUFS whiteouts in its layers; then remove everything.</li>
 * <li>{@code rootless}: the same steps, diff and commit as the unprivileged user fo-podman.</li>
 * </ul>
 * The kernel driver is told to compute diffs by walking the trees, as podman does with any mount program,
 * so the listings must match byte for byte. Results stay in {@code target/it/podman/} for inspection.
 */
class PodmanIT {
    static final Path REPO = ItSupport.REPO;
    static final Path SH = REPO.resolve("src/test/sh/podman");
    static final Path OUT = REPO.resolve("target/it/podman");
    static final Path IMAGES = OUT.resolve("images");
    static final Path KERNEL = OUT.resolve("kernel");
    static final Path FUSE = OUT.resolve("fuse");
    static final Path ROOTLESS = OUT.resolve("rootless");
    /** Layers above the base in the many-layer image. */
    static final int EXTRA_LAYERS = 100;

    private static int rcKernel;
    private static int rcFuse;
    private static int rcRootless;

    @BeforeAll
    static void runEverything() throws Exception {
        requireMachine();
        Files.createDirectories(IMAGES);
        run(OUT.resolve("mkrootfs.log"), Duration.ofSeconds(120), SH.resolve("mkrootfs").toString(),
                IMAGES.resolve("rootfs.tar").toString());
        run(OUT.resolve("mkmanylayers.log"), Duration.ofSeconds(120), SH.resolve("mkmanylayers").toString(),
                IMAGES.resolve("rootfs.tar").toString(), String.valueOf(EXTRA_LAYERS), IMAGES.resolve("many.tar").toString());
        // independent runs (own namespaces, graphroots, users): side by side
        Process k = start(OUT.resolve("kernel.log"), SH.resolve("rootful").toString(), "kernel", IMAGES.toString(), KERNEL.toString());
        Process f = start(OUT.resolve("fuse.log"), SH.resolve("rootful").toString(), "fuse", IMAGES.toString(), FUSE.toString());
        Process r = start(OUT.resolve("rootless.log"), SH.resolve("rootless").toString(), IMAGES.toString(), ROOTLESS.toString());
        rcKernel = await(k, Duration.ofSeconds(540), "rootful kernel");
        rcFuse = await(f, Duration.ofSeconds(540), "rootful fuse");
        rcRootless = await(r, Duration.ofSeconds(360), "rootless");
    }

    // ---- the harness itself ------------------------------------------------------------------------------

    @Test
    void everyCommandSucceeded() {
        assertAll(
            () -> harnessOk("podman on the kernel overlay driver", rcKernel, KERNEL, OUT.resolve("kernel.log")),
            () -> harnessOk("podman on fuse-overlay", rcFuse, FUSE, OUT.resolve("fuse.log")),
            () -> harnessOk("rootless podman on fuse-overlay", rcRootless, ROOTLESS, OUT.resolve("rootless.log")));
    }

    // ---- what the containers run on ------------------------------------------------------------------------

    @Test
    void containerRootIsFuseOverlay() {
        List<Executable> checks = new ArrayList<>();
        for (String file : new String[] {"steps.txt", "committed.txt", "build.txt", "buildah.txt", "many.txt"}) {
            checks.add(() -> assertEquals("rootfs: fuse.fuse-overlay", firstLine(FUSE.resolve(file)),
                    "the container's / in fuse/" + file));
            checks.add(() -> assertEquals("rootfs: overlay", firstLine(KERNEL.resolve(file)),
                    "the container's / in kernel/" + file));
        }
        for (String file : new String[] {"steps.txt", "committed.txt"}) {
            checks.add(() -> assertEquals("rootfs: fuse.fuse-overlay", firstLine(ROOTLESS.resolve(file)),
                    "the container's / in rootless/" + file));
        }
        assertAll(checks);
    }

    @Test
    void liveContainerIsServedByOneServerThatStopsOnRemoval() {
        assertAll(
            () -> assertEquals("fstype fuse.fuse-overlay\nservers 1\nmounted after rm: no\nservers alive after rm: \n",
                    read(FUSE.resolve("live.txt")), "rootful fuse: a detached container seen from the host"),
            () -> assertEquals("fstype overlay\nservers 0\nmounted after rm: no\nservers alive after rm: \n",
                    read(KERNEL.resolve("live.txt")), "rootful kernel: a detached container seen from the host"),
            () -> {
                String live = read(ROOTLESS.resolve("live.txt"));
                assertTrue(live.startsWith("fstype fuse.fuse-overlay\nservers 1\n"),
                        "rootless: a detached container in podman's namespace:\n" + live);
                Matcher m = Pattern.compile("server runs as uid (\\d+) \\(fo-podman is (\\d+)\\)").matcher(live);
                assertTrue(m.find() && m.group(1).equals(m.group(2)),
                        "rootless: the mount program must run as the unprivileged user:\n" + live);
                assertTrue(live.endsWith("servers alive after rm: \n"), "rootless: server still alive after rm:\n" + live);
            });
    }

    // ---- the same answers as the kernel ----------------------------------------------------------------

    @Test
    void stepsInTheContainerSameAsKernel() {
        assertAll(
            () -> sameBelowFirstLine("the steps' transcript", "steps.txt", FUSE),
            () -> sameBelowFirstLine("the steps' transcript (rootless)", "steps.txt", ROOTLESS),
            () -> assertTrue(read(FUSE.resolve("steps.txt")).contains("hello-fo 1.0 install ok installed"),
                    "dpkg -i did not install the package:\n" + read(FUSE.resolve("steps.txt"))));
    }

    @Test
    void podmanDiffSameAsKernel() {
        String d = read(FUSE.resolve("diff.txt"));
        assertAll(
            () -> same("podman diff", read(KERNEL.resolve("diff.txt")), d, "fuse"),
            () -> same("podman diff (rootless)", read(KERNEL.resolve("diff.txt")), read(ROOTLESS.resolve("diff.txt")), "rootless"),
            () -> assertTrue(lines(d).containsAll(List.of("D /etc/fo-delete-me", "A /etc/fo-renamed", "D /etc/fo-rename-me",
                    "C /etc/fo-append-me", "A /usr/share/hello-fo/data", "D /usr/share/fo-lower/tree/b",
                    "A /usr/share/fo-lower/tree/new", "A /var/tmp/many/f2")), "podman diff misses changes:\n" + d));
    }

    @Test
    void committedImageSameAsKernel() {
        String c = read(FUSE.resolve("committed.txt"));
        assertAll(
            () -> sameBelowFirstLine("the committed image", "committed.txt", FUSE),
            () -> sameBelowFirstLine("the committed image (rootless)", "committed.txt", ROOTLESS),
            () -> absent(c, "committed image", "./etc/fo-delete-me ", "./etc/fo-rename-me ", "./usr/share/fo-lower/tree/b",
                    "./usr/share/fo-lower/tree/a/f2 ", "./usr/share/fo-lower/tree/hl-one ", "./etc/fo-opaque-dir/sub/old ",
                    "./var/tmp/many/f1 ", "./var/tmp/gone"),
            () -> present(c, "committed image", "./usr/share/hello-fo/data ", "./var/lib/hello-fo.marker ",
                    "./usr/share/fo-lower/tree/new ", "./etc/fo-opaque-dir/sub/new ", "./var/tmp/many/f2000 ",
                    "./var/tmp/fifo p ", "./var/tmp/owned f 644 65534:65534 ",
                    "hardlinks: ./var/tmp/hl-new1 ./var/tmp/hl-new2"));
    }

    @Test
    void imageMountIsReadOnlyFuseAndSameAsKernel() {
        String m = read(FUSE.resolve("imagemount.txt"));
        assertAll(
            () -> assertEquals("fstype fuse.fuse-overlay", firstLine(FUSE.resolve("imagemount.txt")), "podman image mount"),
            () -> sameBelowFirstLine("podman image mount", "imagemount.txt", FUSE),
            () -> assertTrue(m.endsWith("mounted after unmount: no\n"), "podman image unmount left it mounted"),
            () -> absent(m, "podman image mount", "./etc/fo-delete-me "));
    }

    @Test
    void twoStageBuildSameAsKernel() {
        String b = read(FUSE.resolve("build.txt"));
        assertAll(
            () -> sameBelowFirstLine("the two-stage build's image", "build.txt", FUSE),
            () -> present(b, "built image", "./built/a f ", "./built/hello/data ", "./built/sub/empty-file ",
                    "./usr/share/fo-lower/tree/only ", "hardlinks: ./built/a ./built/a-link"),
            () -> absent(b, "built image", "./etc/fo-delete-me ", "./built/hello/doc1 ", "./built/hello/doc10 ",
                    "./usr/share/fo-lower/tree/a", "./usr/share/hello-fo"));
    }

    @Test
    void buildahSameAsKernel() {
        String b = read(FUSE.resolve("buildah.txt"));
        assertAll(
            () -> sameBelowFirstLine("the buildah image", "buildah.txt", FUSE),
            () -> present(b, "buildah image", "./var/tmp/by-buildah ", "./opt/copied-steps ", "./usr/share/hello-fo/data "),
            () -> absent(b, "buildah image", "./usr/share/fo-lower/tree/a", "./etc/fo-delete-me "));
    }

    @Test
    void manyLayersWithAufsWhiteoutsSameAsKernel() {
        String l = read(FUSE.resolve("many.txt"));
        assertAll(
            () -> assertEquals("lowers " + (EXTRA_LAYERS + 1) + "\noption string at least 7000 bytes: yes\n",
                    read(FUSE.resolve("many-mount.txt")), "what the mount program was given"),
            () -> sameBelowFirstLine("the " + (EXTRA_LAYERS + 1) + "-layer image", "many.txt", FUSE),
            () -> present(l, "many-layer image", "./layers/f10 ", "./layers/f100 ", "./layers/d/x50 ", "./layers/d/x100 "),
            () -> absent(l, "many-layer image", "./layers/f9 ", "./layers/f99 ", "./layers/d/x49 ", "./layers/d/x1 ",
                    "./usr/share/fo-lower/kept ", "./usr/share/fo-lower/tree/b", "./layers/.wh.", "./layers/d/.wh."));
    }

    // ---- cleanup -----------------------------------------------------------------------------------------------

    @Test
    void nothingLeftBehind() throws IOException {
        List<String> ours = Files.readAllLines(Paths.get("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains("/tmp/fo-pod.") || l.contains("/tmp/fo-rl."))
                .collect(Collectors.toList());
        assertAll(
            () -> assertEquals("", read(FUSE.resolve("leftover.txt")), "rootful fuse: mounts or processes left after removing everything"),
            () -> assertEquals("", read(KERNEL.resolve("leftover.txt")), "rootful kernel: mounts or processes left after removing everything"),
            () -> assertEquals("", read(ROOTLESS.resolve("leftover.txt")), "rootless: mounts or processes left after removing everything"),
            () -> assertEquals(List.of(), ours, "mounts of the podman tests visible on the host"));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Fails (never skips) unless this machine can run podman on FUSE as root and rootless. */
    static void requireMachine() throws IOException {
        List<String> missing = new ArrayList<>();
        String uid = Files.readAllLines(Paths.get("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[2]).findFirst().orElse("?");
        if (!"0".equals(uid)) {
            missing.add("the podman tests must run as root (uid " + uid + "): they set up a rootless user themselves");
        }
        if (!Files.exists(Paths.get("/dev/fuse"))) {
            missing.add("/dev/fuse is missing (modprobe fuse; in a container pass --device /dev/fuse)");
        }
        if (Files.readAllLines(Paths.get("/proc/filesystems")).stream().noneMatch(l -> l.trim().endsWith("overlay"))) {
            try {
                new ProcessBuilder("modprobe", "overlay").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // reported below
            }
            if (Files.readAllLines(Paths.get("/proc/filesystems")).stream().noneMatch(l -> l.trim().endsWith("overlay"))) {
                missing.add("kernel overlayfs is unavailable (podman's kernel driver is the reference)");
            }
        }
        for (String tool : new String[] {"podman", "buildah", "runc", "conmon", "newuidmap", "newgidmap", "setpriv",
            "useradd", "unshare", "timeout", "mknod", "fusermount3", "tar", "dpkg-deb", "sha256sum", "flock", "java"}) {
            if (!onPath(tool)) {
                missing.add("command not found: " + tool + " (src/build/install-deps installs the Debian packages)");
            }
        }
        if (!Files.isRegularFile(REPO.resolve("target/fuse-overlay.jar"))) {
            missing.add("target/fuse-overlay.jar is missing: run the tests with mvn verify (the jar is built in package)");
        }
        for (String s : new String[] {"mkrootfs", "mkmanylayers", "rootful", "rootless"}) {
            if (!Files.isExecutable(SH.resolve(s))) {
                missing.add(SH.resolve(s) + " is not executable");
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("this machine cannot run the podman tests (they must not be skipped):\n  "
                    + String.join("\n  ", missing));
        }
    }




    private static void run(Path log, Duration limit, String... cmd) throws IOException, InterruptedException {
        int rc = await(start(log, cmd), limit, cmd[0]);
        if (rc != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (rc=" + rc + "):\n" + tail(log, 30));
        }
    }

    private static void harnessOk(String what, int rc, Path dir, Path log) {
        String errors = read(dir.resolve("errors.txt"));
        if (rc != 0 || !errors.isEmpty()) {
            throw new AssertionError(what + ": the harness failed (rc=" + rc + "):\n" + errors + "\nlog (" + log + "):\n"
                    + tail(log, 40));
        }
    }



    private static String firstLine(Path p) {
        List<String> l = lines(read(p));
        return l.isEmpty() ? "<empty " + p + ">" : l.get(0);
    }

    private static String belowFirstLine(Path p) {
        String t = read(p);
        int nl = t.indexOf('\n');
        return nl < 0 ? "" : t.substring(nl + 1);
    }


    /** FILE below its first line (what / is) must be the same in DIR as in the kernel driver's results. */
    private static void sameBelowFirstLine(String what, String file, Path dir) {
        same(what, belowFirstLine(KERNEL.resolve(file)), belowFirstLine(dir.resolve(file)), OUT.relativize(dir).toString());
        assertFalse(belowFirstLine(dir.resolve(file)).isBlank(), what + ": " + dir.resolve(file) + " is empty");
    }

    /** Equal texts, or a failure listing the lines only one of them has (both are sorted listings or transcripts). */
    static void same(String what, String kernel, String other, String otherName) {
        if (kernel.equals(other)) {
            return;
        }
        Set<String> k = new LinkedHashSet<>(lines(kernel));
        Set<String> o = new LinkedHashSet<>(lines(other));
        List<String> onlyK = k.stream().filter(l -> !o.contains(l)).limit(40).collect(Collectors.toList());
        List<String> onlyO = o.stream().filter(l -> !k.contains(l)).limit(40).collect(Collectors.toList());
        StringBuilder b = new StringBuilder(what + " differs between the kernel overlay driver and " + otherName + ":\n");
        onlyK.forEach(l -> b.append("- ").append(l).append('\n'));
        onlyO.forEach(l -> b.append("+ ").append(l).append('\n'));
        if (onlyK.isEmpty() && onlyO.isEmpty()) {
            b.append("(the same lines in another order or count)\n");
        }
        throw new AssertionError(b.toString());
    }

    private static void present(String listing, String what, String... prefixes) {
        List<String> lines = lines(listing);
        List<String> missing = Arrays.stream(prefixes).filter(p -> lines.stream().noneMatch(l -> l.startsWith(p)))
                .collect(Collectors.toList());
        assertEquals(List.of(), missing, what + ": expected entries missing");
    }

    private static void absent(String listing, String what, String... prefixes) {
        List<String> found = lines(listing).stream().filter(l -> Arrays.stream(prefixes).anyMatch(l::startsWith))
                .collect(Collectors.toList());
        assertEquals(List.of(), found, what + ": entries that must be gone are there");
    }
}
