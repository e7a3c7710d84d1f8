package dev.fuseoverlay.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Builds the benchmark's layers once per shape ({@link Config#layerKey()}), reproducibly from a seed, and
 * reuses them on later runs:
 * <ul>
 *   <li>{@code lower-usr}: the bottom layer, shaped like a distribution's {@code /usr}: tens of thousands of
 *       small files in nested directories, some symlinks and hard links;</li>
 *   <li>{@code lower-big}: the top layer: large files ({@code big/}), copy-up probes ({@code copyup/}),
 *       a small C project ({@code proj/}), and files that shadow some of the bottom layer's;</li>
 *   <li>{@code native}: the merged tree as a plain directory (the limit every overlay is measured against);</li>
 *   <li>{@code res}: what the workloads use from outside the mount: a source tarball, the storm helper,
 *       a file to write from, and lists of the merged tree's paths.</li>
 * </ul>
 */
final class LayerBuilder {
    /** Changing the generator changes the layers: bump this so old caches are not reused. */
    static final int GENERATOR_VERSION = 1;

    /** The built layer set. */
    record Layers(Path dir, Path bottom, Path top, Path nativeTree, Path res, boolean hasStorm, long files, long bytes) {
        String lowerdir() {
            return top + ":" + bottom;
        }
    }

    private final Config c;
    private final PrintStream log;
    private final SplittableRandom rng;

    LayerBuilder(Config c, PrintStream log) {
        this.c = c;
        this.log = log;
        this.rng = new SplittableRandom(c.seed);
    }

    Layers build(Path base) throws IOException, InterruptedException {
        Path dir = base.resolve(c.layerKey()).toAbsolutePath();
        Path done = dir.resolve("COMPLETE");
        Layers l = new Layers(dir, dir.resolve("lower-usr"), dir.resolve("lower-big"), dir.resolve("native"), dir.resolve("res"),
                false, 0, 0);
        if (Files.exists(done)) {
            String[] f = Files.readAllLines(done).get(0).trim().split(" ");
            log.println("layers: reusing " + dir);
            return new Layers(l.dir(), l.bottom(), l.top(), l.nativeTree(), l.res(), Files.isExecutable(l.res().resolve("storm")),
                    Long.parseLong(f[0]), Long.parseLong(f[1]));
        }
        Proc.removeTree(dir);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        log.println("layers: building " + dir + " (" + c.files + " small files, " + c.bigFiles + " x " + c.bigMiB + " MiB, once per shape)");
        bottom(l.bottom());
        top(l.top(), l.bottom());
        Files.createDirectories(l.nativeTree());
        perm(l.nativeTree(), "rwxr-xr-x");
        Proc.check(List.of("cp", "-a", l.bottom() + "/.", l.nativeTree() + "/"), null, 3600);
        Proc.check(List.of("cp", "-a", l.top() + "/.", l.nativeTree() + "/"), null, 3600);
        Files.createDirectories(l.res());
        boolean storm = resources(l);
        long[] count = count(l.nativeTree());
        Proc.check(List.of("sync"), null, 3600);
        Files.writeString(done, count[0] + " " + count[1] + "\n" + Json.write(c.layerShape()));
        log.printf("layers: built in %.1f s: %d entries, %.0f MiB merged%n", (System.nanoTime() - t0) / 1e9, count[0], count[1] / 1048576.0);
        return new Layers(l.dir(), l.bottom(), l.top(), l.nativeTree(), l.res(), storm, count[0], count[1]);
    }

    // ---------------------------------------------------------------- the /usr-like bottom layer

    private static final String[] TOPS = {"bin", "sbin", "lib", "libexec", "include", "share"};
    private static final int[] WEIGHTS = {6, 2, 34, 4, 14, 40};
    private static final String[] EXT = {"", "", ".so", "", ".h", ".txt"};
    private static final String[] WORDS = {"core", "util", "net", "x11", "gtk", "perl5", "python3", "locale", "man", "doc",
        "icons", "fonts", "zoneinfo", "dbus", "systemd", "pkgconfig", "cmake", "gcc", "ssl", "sound", "mime", "themes", "vim",
        "terminfo", "udev", "polkit", "info", "bash-completion", "games", "misc"};

    private void bottom(Path root) throws IOException {
        Path usr = root.resolve("usr");
        mkdir(root);
        mkdir(usr);
        List<List<Path>> dirs = new ArrayList<>();
        List<List<Path>> regular = new ArrayList<>();
        for (String t : TOPS) {
            Path d = usr.resolve(t);
            mkdir(d);
            List<Path> l = new ArrayList<>();
            l.add(d);
            dirs.add(l);
            regular.add(new ArrayList<>());
        }
        int total = 0;
        for (int w : WEIGHTS) {
            total += w;
        }
        int dirCounter = 0;
        for (int i = 0; i < c.files; i++) {
            int pick = rng.nextInt(total);
            int t = 0;
            while (pick >= WEIGHTS[t]) {
                pick -= WEIGHTS[t];
                t++;
            }
            List<Path> ds = dirs.get(t);
            if (t != 0 && t != 1 && rng.nextInt(14) == 0) {
                Path parent = ds.get(rng.nextInt(ds.size()));
                if (usr.relativize(parent).getNameCount() < 6) {
                    Path nd = parent.resolve(WORDS[rng.nextInt(WORDS.length)] + "-" + (dirCounter++));
                    mkdir(nd);
                    ds.add(nd);
                }
            }
            Path d = ds.get(rng.nextInt(ds.size()));
            Path f = d.resolve(String.format("f%05d%s", i, EXT[t]));
            int kind = rng.nextInt(1000);
            List<Path> regs = regular.get(t);
            if (kind < 40 && !regs.isEmpty()) {
                Path target = regs.get(rng.nextInt(regs.size()));
                Files.createSymbolicLink(f, d.relativize(target));
            } else if (kind < 45 && !regs.isEmpty()) {
                Files.createLink(f, regs.get(rng.nextInt(regs.size())));
            } else {
                writeRandom(f, smallSize());
                perm(f, t == 0 || t == 1 || t == 3 ? "rwxr-xr-x" : rng.nextInt(50) == 0 ? "rw-------" : "rw-r--r--");
                regs.add(f);
            }
        }
    }

    /** Mostly tiny, some medium, a few larger: about 8 KiB on average, like a real /usr. */
    private int smallSize() {
        int k = rng.nextInt(100);
        if (k < 75) {
            return 64 + rng.nextInt(4096 - 64);
        }
        if (k < 97) {
            return 4096 + rng.nextInt(28 * 1024);
        }
        return 32 * 1024 + rng.nextInt(96 * 1024);
    }

    // ---------------------------------------------------------------- the top layer

    private void top(Path root, Path bottom) throws IOException {
        mkdir(root);
        Path big = root.resolve("big");
        mkdir(big);
        for (int i = 0; i < c.bigFiles; i++) {
            writeRandom(big.resolve("file" + i + ".bin"), (long) c.bigMiB << 20);
            perm(big.resolve("file" + i + ".bin"), "rw-r--r--");
        }
        Path cu = root.resolve("copyup");
        mkdir(cu);
        for (String s : new String[] {"small", "medium", "large"}) {
            mkdir(cu.resolve(s));
        }
        for (int i = 0; i < c.copyupSmall; i++) {
            writeRandom(cu.resolve("small").resolve(String.format("f%05d", i)), 4096);
        }
        for (int i = 0; i < c.copyupMedium; i++) {
            writeRandom(cu.resolve("medium").resolve(String.format("f%03d", i)), 1 << 20);
        }
        writeRandom(cu.resolve("large").resolve("f0"), (long) c.copyupLargeMiB << 20);
        project(root.resolve("proj"));
        // shadow every 50th regular file of usr/share, and add a top-only directory: the usr tree merges
        Path share = bottom.resolve("usr/share");
        List<Path> shadows = new ArrayList<>();
        try (Stream<Path> s = Files.walk(share)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(shadows::add);
        }
        for (int i = 0; i < shadows.size(); i += 50) {
            Path rel = bottom.relativize(shadows.get(i));
            Path dst = root.resolve(rel);
            mkdirs(root, dst.getParent());
            writeRandom(dst, smallSize());
            perm(dst, "rw-r--r--");
        }
        Path local = root.resolve("usr/local/bin");
        mkdirs(root, local);
        for (int i = 0; i < 20; i++) {
            Path f = local.resolve("tool" + i);
            writeRandom(f, smallSize());
            perm(f, "rwxr-xr-x");
        }
    }

    /** A small C project with many headers that include each other: a build-like mixed workload. */
    private void project(Path p) throws IOException {
        mkdir(p);
        mkdir(p.resolve("include"));
        mkdir(p.resolve("src"));
        for (int h = 0; h < c.headers; h++) {
            StringBuilder s = new StringBuilder();
            String n = String.format("h%03d", h);
            s.append("#ifndef ").append(n.toUpperCase()).append("_H\n#define ").append(n.toUpperCase()).append("_H\n");
            for (int k = 0; k < 3 && h > 0; k++) {
                s.append(String.format("#include \"h%03d.h\"%n", rng.nextInt(h)));
            }
            s.append("#include <stddef.h>\n");
            s.append(String.format("typedef struct s%s { int a; long b; double c[4]; const char *name; } s%s_t;%n", n, n));
            s.append(String.format("enum e%s { E%s_A, E%s_B, E%s_C, E%s_D };%n", n, n, n, n, n));
            s.append(String.format("#define M%s(x) ((x) * %d + 1)%n", n, h + 3));
            for (int k = 0; k < 6; k++) {
                s.append(String.format("static inline long %s_op%d(long x) { long r = x; for (int i = 0; i < %d; i++) r = r * 31 + (r >> 3) + %d; return r; }%n",
                        n, k, 2 + k, h * 7 + k));
            }
            for (int k = 0; k < 10; k++) {
                s.append(String.format("extern long %s_api%d(const s%s_t *p, size_t n, enum e%s mode);%n", n, k, n, n));
            }
            s.append("#endif\n");
            Files.writeString(p.resolve("include").resolve(n + ".h"), s.toString());
        }
        StringBuilder main = new StringBuilder("#include <stdio.h>\n");
        for (int f = 0; f < c.cFiles; f++) {
            StringBuilder s = new StringBuilder();
            List<Integer> used = new ArrayList<>();
            for (int k = 0; k < Math.min(30, c.headers); k++) {
                int h = rng.nextInt(c.headers);
                used.add(h);
                s.append(String.format("#include \"h%03d.h\"%n", h));
            }
            s.append(String.format("long unit%03d(long x) {%n  long r = x;%n", f));
            for (int h : used) {
                s.append(String.format("  r += h%03d_op%d(r) + M%s(r);%n", h, rng.nextInt(6), String.format("h%03d", h)));
            }
            s.append("  return r;\n}\n");
            Files.writeString(p.resolve("src").resolve(String.format("u%03d.c", f)), s.toString());
            main.append(String.format("long unit%03d(long x);%n", f));
        }
        main.append("int main(void) {\n  long r = 1;\n");
        for (int f = 0; f < c.cFiles; f++) {
            main.append(String.format("  r ^= unit%03d(r);%n", f));
        }
        main.append("  printf(\"%ld\\n\", r);\n  return 0;\n}\n");
        Files.writeString(p.resolve("src").resolve("main.c"), main.toString());
        Files.writeString(p.resolve("Makefile"), """
                CC ?= cc
                CFLAGS = -O1 -Iinclude
                SRCS = $(sort $(wildcard src/*.c))
                OBJS = $(SRCS:src/%.c=obj/%.o)
                app: $(OBJS)
                \t$(CC) -o $@ $(OBJS)
                obj/%.o: src/%.c | obj
                \t$(CC) $(CFLAGS) -c -o $@ $<
                obj:
                \tmkdir -p obj
                """);
    }

    // ---------------------------------------------------------------- resources outside the mounts

    private static final String STORM_C = """
            /* storm DIR N SIZE FSYNC: create N files of SIZE bytes in 16 directories (fsync each if FSYNC=1),
               then unlink all but every 100th. Errors end it with exit 1. */
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/stat.h>
            #include <unistd.h>
            static void die(const char *what, const char *p) { fprintf(stderr, "storm: %s %s: %s\\n", what, p, strerror(errno)); exit(1); }
            int main(int argc, char **argv) {
              if (argc != 5) { fprintf(stderr, "usage: storm DIR N SIZE FSYNC\\n"); return 2; }
              const char *dir = argv[1]; long n = atol(argv[2]); long size = atol(argv[3]); int sync = atoi(argv[4]);
              static char buf[1 << 16]; char path[4096];
              for (int i = 0; i < (int) sizeof buf; i++) buf[i] = (char) (i * 131 + 7);
              if (mkdir(dir, 0755) && errno != EEXIST) die("mkdir", dir);
              for (int d = 0; d < 16; d++) { snprintf(path, sizeof path, "%s/d%02d", dir, d); if (mkdir(path, 0755) && errno != EEXIST) die("mkdir", path); }
              for (long i = 0; i < n; i++) {
                snprintf(path, sizeof path, "%s/d%02ld/f%06ld", dir, i % 16, i);
                int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
                if (fd < 0) die("open", path);
                memcpy(buf, &i, sizeof i);
                for (long left = size; left > 0; ) {
                  long k = left < (long) sizeof buf ? left : (long) sizeof buf;
                  if (write(fd, buf, k) != k) die("write", path);
                  left -= k;
                }
                if (sync && fsync(fd)) die("fsync", path);
                if (close(fd)) die("close", path);
              }
              for (long i = 0; i < n; i++) {
                if (i % 100 == 0) continue;
                snprintf(path, sizeof path, "%s/d%02ld/f%06ld", dir, i % 16, i);
                if (unlink(path)) die("unlink", path);
              }
              return 0;
            }
            """;

    private boolean resources(Layers l) throws IOException, InterruptedException {
        Path res = l.res();
        Proc.check(List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@1600000000",
                "-cf", res.resolve("src.tar").toString(), "-C", l.bottom().toString(), "usr/lib"), null, 3600);
        writeRandom(res.resolve("write.src"), (long) c.writeMiB << 20);
        Files.writeString(res.resolve("storm.c"), STORM_C);
        boolean storm = false;
        Proc.Result r = Proc.run(List.of("cc", "-O2", "-o", res.resolve("storm").toString(), res.resolve("storm.c").toString()), 120);
        if (r.ok()) {
            storm = true;
        } else {
            log.println("layers: cannot compile the storm helper (cc): " + r.errTail());
        }
        // path lists of the merged tree (sorted): every entry for stat, regular files of usr for read-small
        List<String> all = new ArrayList<>();
        List<String> small = new ArrayList<>();
        Path nat = l.nativeTree();
        try (Stream<Path> s = Files.walk(nat)) {
            s.filter(p -> !p.equals(nat)).forEach(p -> {
                String rel = nat.relativize(p).toString();
                all.add(rel);
                if (rel.startsWith("usr/") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    small.add(rel);
                }
            });
        }
        all.sort(null);
        small.sort(null);
        Files.write(res.resolve("all.list"), (String.join("\0", all) + "\0").getBytes(StandardCharsets.ISO_8859_1));
        Files.write(res.resolve("small.list"), (String.join("\0", small) + "\0").getBytes(StandardCharsets.ISO_8859_1));
        return storm;
    }

    private static long[] count(Path root) throws IOException {
        long[] n = new long[2];
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> {
                n[0]++;
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        n[1] += Files.size(p);
                    }
                } catch (IOException ignored) {
                    // counted as empty
                }
            });
        }
        return n;
    }

    // ---------------------------------------------------------------- helpers

    private final byte[] chunk = new byte[1 << 20];

    private void writeRandom(Path f, long size) throws IOException {
        try (OutputStream o = Files.newOutputStream(f)) {
            for (long left = size; left > 0; ) {
                int k = (int) Math.min(left, chunk.length);
                fill(k);
                o.write(chunk, 0, k);
                left -= k;
            }
        }
    }

    private void fill(int k) {
        for (int i = 0; i < k; i += 8) {
            long v = rng.nextLong();
            for (int j = 0; j < 8 && i + j < k; j++) {
                chunk[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    private static void mkdir(Path d) throws IOException {
        Files.createDirectory(d);
        perm(d, "rwxr-xr-x");
    }

    private static void mkdirs(Path root, Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        mkdirs(root, d.getParent());
        mkdir(d);
    }

    private static void perm(Path p, String rwx) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(rwx));
    }
}
