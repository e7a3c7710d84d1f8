package dev.fuseoverlay.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A workload: a timed shell snippet run in the root of the mount ({@code $M}), with an untimed setup before it
 * and, for the warm variant of a write workload, an untimed warm-up. Read-only workloads run cold and then warm
 * on one mount; write workloads get a fresh mount (fresh upper and work) per variant and are checked by the
 * correctness guard afterwards, with content hashed under {@code scopes}.
 *
 * <p>No write workload may modify {@code big/}: the native directory's per-run copy hard-links those files.
 *
 * <p>Variables the snippets see: {@code M} (the root), {@code B} (the layer set's resources: tarball, helper,
 * path lists), and the sizes {@code N_STORM}, {@code N_STORM_FSYNC}, {@code BIG_MIB}, {@code RAND_MIB}.
 */
record Workload(String name, String description, List<String> variants, boolean writes, List<String> needs,
                String setup, String warmup, String run, List<String> scopes) {

    static final String COLD = "cold";
    static final String WARM = "warm";
    /** The mount/unmount workload is run by the harness itself, not by a script. */
    static final String MOUNT = "mount";

    /**
     * Five clients on one mount at once, each a chain of the single-client workloads; the run fails if any
     * of them does. What a server with one request in flight at a time, or one that serialises its clients,
     * pays for; the guard compares the tree they leave (the end state does not depend on their order).
     */
    private static final String CONCURRENT = """
            tar -xf "$B/src.tar" -C untar-a & p1=$!
            tar -xf "$B/src.tar" -C untar-b & p2=$!
            (find . >/dev/null && chmod -R g+w usr/share && rm -rf usr/share) & p3=$!
            (mkdir c-storm && for i in $(seq 50); do "$B/storm" c-storm/s$i 20 4096 1 || exit 1; done) & p4=$!
            (for f in copyup/small/*; do printf x >> "$f" || exit 1; done; cat big/*.bin >/dev/null) & p5=$!
            rc=0; for p in $p1 $p2 $p3 $p4 $p5; do wait $p || rc=$?; done; [ $rc -eq 0 ]""";

    boolean sharedMount() {
        return !writes;
    }

    private static Workload read(String name, String desc, List<String> needs, String run) {
        return new Workload(name, desc, List.of(COLD, WARM), false, needs, "", "", run, List.of());
    }

    static List<Workload> all() {
        List<Workload> l = new ArrayList<>();
        l.add(read("find", "metadata walk: find over the whole tree", List.of("find"), "find . >/dev/null"));
        l.add(read("stat", "stat of every file (listed beforehand)", List.of("stat", "xargs"),
                "xargs -0 -a \"$B/all.list\" stat --printf=%i -- >/dev/null"));
        l.add(read("ls-lR", "ls -lR of the whole tree", List.of("ls"), "ls -lR . >/dev/null"));
        l.add(read("read-small", "read every small file of usr (cat)", List.of("cat", "xargs"),
                "xargs -0 -a \"$B/small.list\" cat -- >/dev/null"));
        l.add(read("read-seq", "sequential read of the large files (dd bs=1M)", List.of("dd"),
                "for f in big/*.bin; do dd if=\"$f\" of=/dev/null bs=1M status=none; done"));
        l.add(read("read-rand", "random 4 KiB reads of one large file (fio psync, same offsets every run; "
                        + "timed by fio itself: the sum of its read latencies, so fio's start-up is not counted)", List.of("fio"),
                "fio --name=randread --filename=big/file0.bin --readonly --rw=randread --bs=4k --ioengine=psync "
                        + "--size=${BIG_MIB}m --io_size=${RAND_MIB}m --randrepeat=1 --randseed=42 --norandommap "
                        + "--invalidate=0 --output-format=json --output=\"$R.fio\""));
        l.add(new Workload("write-seq", "sequential write of a new file (dd bs=1M, no fsync)", List.of(WARM), true, List.of("dd"),
                "cat \"$B/write.src\" >/dev/null", "", "dd if=\"$B/write.src\" of=seqwrite.bin bs=1M status=none",
                List.of("seqwrite.bin")));
        l.add(new Workload("storm", "small-file storm: create+write 4 KiB+close, then unlink 99% (no fsync)", List.of(WARM), true,
                List.of("storm"), "", "", "\"$B/storm\" storm \"$N_STORM\" 4096 0", List.of("storm")));
        l.add(new Workload("storm-fsync", "small-file storm with fsync of every file", List.of(WARM), true,
                List.of("storm"), "", "", "\"$B/storm\" storm-fsync \"$N_STORM_FSYNC\" 4096 1", List.of("storm-fsync")));
        for (String[] c : new String[][] {{"copyup-4k", "small", "4 KiB"}, {"copyup-1m", "medium", "1 MiB"}, {"copyup-large", "large", "large"}}) {
            l.add(new Workload(c[0], "copy-up: append one byte to each " + c[2] + " lower file of copyup/" + c[1],
                    List.of(COLD, WARM), true, List.of(), "", "cat copyup/" + c[1] + "/* >/dev/null",
                    "for f in copyup/" + c[1] + "/*; do printf x >> \"$f\"; done", List.of("copyup/" + c[1])));
        }
        l.add(new Workload("chmod-R", "chmod -R g+w of the lower usr/share tree", List.of(COLD), true, List.of("chmod"),
                "", "", "chmod -R g+w usr/share", List.of("usr/share")));
        l.add(new Workload("chown-R", "chown -R 1000:1000 of the lower usr/share tree", List.of(COLD), true, List.of("chown"),
                "", "", "chown -R 1000:1000 usr/share", List.of("usr/share")));
        l.add(new Workload("rm-rf", "rm -rf of the lower usr/share tree (warm: walked first)", List.of(COLD, WARM), true, List.of("rm"),
                "", "find usr/share >/dev/null", "rm -rf usr/share", List.of()));
        l.add(new Workload("untar", "untar a source tarball (usr/lib of the layers) into the mount", List.of(COLD), true,
                List.of("tar"), "mkdir untar", "", "tar -xf \"$B/src.tar\" -C untar", List.of("untar")));
        l.add(new Workload("concurrent", "five clients at once: two untars, find + chmod -R + rm -rf of usr/share, "
                        + "50 fsync'd storms of 20 files, copy-up of copyup/small + read of the large files",
                List.of(COLD), true, List.of("tar", "find", "chmod", "rm", "cat"), "mkdir untar-a untar-b", "",
                CONCURRENT, List.of("untar-a", "untar-b", "copyup/small", "c-storm")));
        l.add(new Workload("build", "build a C project from the lower (many headers): make -j2, cc -O1", List.of(COLD), true,
                List.of("make", "cc"), "", "", "make -C proj -j2 -s >/dev/null", List.of("proj")));
        l.add(new Workload(MOUNT, "mount-to-ready (cold: caches dropped first) and unmount time", List.of(COLD, WARM), false,
                List.of(), "", "", "", List.of()));
        return l;
    }

    /**
     * The script for one timed run: setup, cache drop (cold) or warm-up, then the timed part between two
     * {@code $EPOCHREALTIME} reads (no process start is timed), with the filesystem process's
     * {@code /proc/PID/stat} read right before and after. Results go to the file {@code $R}.
     */
    String script(String variant, boolean warmupFirst) {
        StringBuilder s = new StringBuilder();
        s.append("set -e\nexport LC_ALL=C\ncd \"$M\"\n");
        if (!setup.isEmpty()) {
            s.append(setup).append('\n');
        }
        // dirty data left by setup (a fresh native copy, the last run's clean-up) must not be written back
        // inside somebody else's timed part
        s.append("sync\n");
        if (COLD.equals(variant)) {
            s.append("echo 3 > /proc/sys/vm/drop_caches\n");
        } else if (warmupFirst && !warmup.isEmpty()) {
            s.append(warmup).append('\n');
        }
        s.append("c0=; if [ -n \"$FSPID\" ]; then read -r c0 < /proc/$FSPID/stat; fi\n");
        s.append("t0=$EPOCHREALTIME\n");
        s.append(run).append('\n');
        s.append("t1=$EPOCHREALTIME\n");
        s.append("c1=; if [ -n \"$FSPID\" ]; then read -r c1 < /proc/$FSPID/stat; fi\n");
        s.append("printf 'T %s %s\\nC0 %s\\nC1 %s\\n' \"$t0\" \"$t1\" \"$c0\" \"$c1\" > \"$R\"\n");
        return s.toString();
    }
}
