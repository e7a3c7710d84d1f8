package dev.fuseoverlay.it;

import static dev.fuseoverlay.it.ItSupport.read;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The mount program's command line, run for real (each case in its own private mount + pid namespace via
 * {@code src/test/sh/nsrun}): bad input gets exactly one line on stderr starting with "fuse-overlay:" and a
 * non-zero exit, leaves nothing mounted, no server running, and the layers untouched; --version and --help
 * exit 0; an unknown option is a warning; the mount(8) helper form works and umount stops the server.
 */
class MountCliIT {
    /** Layers every case starts from; "snap" fingerprints the directories a refused mount must not touch. */
    private static final String PRELUDE = """
            mkdir -p l l2 u w m
            echo lower >l/file
            echo lower2 >l2/file2
            snap() {
              local d
              for d in l l2 u w m; do
                if [ -e "$d" ]; then printf '%s %s\\n' "$d" "$(fingerprint "$d")"; else echo "$d absent"; fi
              done
            }
            """;

    /** Runs the mount program with ARGS, then records what it left behind. */
    private static final String REFUSAL = """
            snap >"$OUT/before"
            "$FUSE_OVERLAY" %s >"$OUT/stdout" 2>"$OUT/stderr"
            echo $? >"$OUT/rc"
            sleep 0.5 # a server that went to the background by mistake would have mounted by now
            mounts_under "$B" | grep -v ' tmpfs$' >"$OUT/mounts"
            ps -e -o pid=,comm= | awk '$2 == "java"' >"$OUT/servers"
            snap >"$OUT/after"
            """;

    @BeforeAll
    static void machine() {
        ItSupport.requireMountMachinery();
    }

    // ---- bad input ------------------------------------------------------------------------------------

    @Test
    void missingLowerdirDirectory(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/nope,upperdir=$B/u,workdir=$B/w $B/m");
    }

    @Test
    void noLowerdirOption(TestInfo t) throws Exception {
        refused(t, "", "-o upperdir=$B/u,workdir=$B/w $B/m");
    }

    @Test
    void missingUpperdirDirectory(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/nope,workdir=$B/w $B/m");
    }

    @Test
    void workdirOnAnotherFilesystem(TestInfo t) throws Exception {
        refused(t, "mkdir -p t && mount -t tmpfs -o size=1m tmpfs \"$B/t\" && mkdir t/w\n",
                "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/t/w $B/m");
    }

    @Test
    void upperdirInsideLowerdir(TestInfo t) throws Exception {
        refused(t, "mkdir -p l/u\n", "-o lowerdir=$B/l,upperdir=$B/l/u,workdir=$B/w $B/m");
    }

    @Test
    void lowerdirInsideUpperdir(TestInfo t) throws Exception {
        refused(t, "mkdir -p u/l\n", "-o lowerdir=$B/u/l,upperdir=$B/u,workdir=$B/w $B/m");
    }

    @Test
    void sameLowerdirTwice(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l:$B/l,upperdir=$B/u,workdir=$B/w $B/m");
    }

    @Test
    void upperdirSameAsLowerdir(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/l,workdir=$B/w $B/m");
    }

    @Test
    void workdirInsideUpperdir(TestInfo t) throws Exception {
        refused(t, "mkdir -p u/w\n", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/u/w $B/m");
    }

    @Test
    void mountpointInsideUpperdir(TestInfo t) throws Exception {
        refused(t, "mkdir -p u/m\n", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/u/m");
    }

    @Test
    void mountpointInsideLowerdir(TestInfo t) throws Exception {
        refused(t, "mkdir -p l/m\n", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/l/m");
    }

    @Test
    void lowerdirInsideMountpoint(TestInfo t) throws Exception {
        refused(t, "mkdir -p m/l\n", "-o lowerdir=$B/m/l,upperdir=$B/u,workdir=$B/w $B/m");
    }

    @Test
    void noMountpoint(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w");
    }

    @Test
    void missingMountpoint(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/nope");
    }

    @Test
    void upperdirWithoutWorkdir(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u $B/m");
    }

    @Test
    void badXinoValue(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,xino=maybe $B/m");
    }

    @Test
    void badXattrPermissionsValue(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,xattr_permissions=3 $B/m");
    }

    @Test
    void nonNumericNoxattrs(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,noxattrs=abc $B/m");
    }

    /** A trace file that cannot be written is refused before the work directory is touched. */
    @Test
    void traceFileThatCannotBeWritten(TestInfo t) throws Exception {
        refused(t, "", "-o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,trace=$B/nope/trace.log $B/m");
    }

    private static void refused(TestInfo t, String extraSetup, String args) throws Exception {
        Path out = run(t, PRELUDE + extraSetup + String.format(REFUSAL, args));
        String stderr = read(out.resolve("stderr"));
        List<String> lines = ItSupport.lines(stderr);
        assertAll("fuse-overlay " + args,
            () -> assertFalse(read(out.resolve("rc")).trim().equals("0"), "exit status 0 for bad input; stderr: " + stderr),
            () -> assertEquals(1, lines.size(), "stderr must be exactly one line, was:\n" + stderr),
            () -> assertTrue(!lines.isEmpty() && lines.get(0).startsWith("fuse-overlay: "),
                    "stderr must start with \"fuse-overlay: \", was:\n" + stderr),
            () -> assertEquals("", read(out.resolve("mounts")), "something is mounted after a refused mount"),
            () -> assertEquals("", read(out.resolve("servers")), "a server process is still running"),
            () -> assertEquals(read(out.resolve("before")), read(out.resolve("after")),
                    "a refused mount changed the layers, the work directory or the mountpoint"));
    }

    // ---- good input ------------------------------------------------------------------------------------

    @Test
    void version(TestInfo t) throws Exception {
        Path out = run(t, """
                "$FUSE_OVERLAY" --version >"$OUT/stdout" 2>"$OUT/stderr"; echo $? >"$OUT/rc"
                """);
        String stdout = read(out.resolve("stdout"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "--version exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertTrue(stdout.startsWith("fuse-overlay"), "--version output: " + stdout),
            () -> assertEquals("", read(out.resolve("stderr"))));
    }

    @Test
    void help(TestInfo t) throws Exception {
        Path out = run(t, """
                "$FUSE_OVERLAY" --help >"$OUT/stdout" 2>"$OUT/stderr"; echo $? >"$OUT/rc"
                """);
        String stdout = read(out.resolve("stdout"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "--help exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertTrue(stdout.contains("lowerdir=") && stdout.contains("upperdir=") && stdout.contains("workdir="),
                    "--help must describe lowerdir, upperdir and workdir:\n" + stdout),
            () -> assertEquals("", read(out.resolve("stderr"))));
    }

    @Test
    void unknownOptionWarnsButMounts(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,bogus_option=1 $B/m >"$OUT/stdout" 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                is_mounted "$B/m" && echo yes >"$OUT/mounted"
                cat m/file >"$OUT/read" 2>&1
                pids="$(server_pids "$B/m")"
                fusermount3 -u "$B/m"
                for i in $(seq 100); do
                  alive=; for p in $pids; do [ -d /proc/$p ] && alive=1; done
                  [ -z "$alive" ] && break; sleep 0.1
                done
                [ -n "$pids" ] && [ -z "$alive" ] && echo yes >"$OUT/server-exited"
                """);
        String stderr = read(out.resolve("stderr"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "exit status with an unknown option; stderr: " + stderr),
            () -> assertTrue(stderr.startsWith("fuse-overlay: ") && stderr.contains("bogus_option"),
                    "an unknown option must be warned about on stderr, was:\n" + stderr),
            () -> assertEquals("yes\n", read(out.resolve("mounted")), "not mounted"),
            () -> assertEquals("lower\n", read(out.resolve("read")), "reading through the mount"),
            () -> assertEquals("yes\n", read(out.resolve("server-exited")), "the server did not exit after fusermount3 -u"));
    }

    /**
     * In the C locale (an empty environment, as a service manager or a minimal container gives) the JVM
     * decodes its arguments as ASCII; a layer path with other bytes must still be found.
     */
    @Test
    void aUtf8PathMountsInTheCLocale(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                cafe="$B/caf$(printf '\\303\\251')"   # e-acute in UTF-8
                mkdir -p "$cafe" && echo seen >"$cafe/vu"
                env -i PATH="$PATH" "$FUSE_OVERLAY" -o "lowerdir=$cafe:$B/l,upperdir=$B/u,workdir=$B/w" "$B/m" >"$OUT/stdout" 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                cat m/vu m/file >"$OUT/read" 2>&1
                fusermount3 -u "$B/m"
                """);
        assertAll(
            () -> assertEquals("0\n", read(out.resolve("rc")), "exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertEquals("seen\nlower\n", read(out.resolve("read"))));
    }

    /**
     * Every way of asking for debug output keeps the mount in the foreground with its log on stderr: -d and
     * --debug (fuse-overlayfs's), short flags together (-fd, -df), -o debug, -odebug, -o=debug and -o debug=1. A launcher
     * that missed one sent the server to the background with its stderr on /dev/null.
     */
    @Test
    void debugInEveryFormStaysInTheForegroundAndLogs(TestInfo t) throws Exception {
        String[] forms = {"-d", "--debug", "-fd", "-df", "-o debug", "-odebug", "-o=debug", "-o debug=1"};
        StringBuilder script = new StringBuilder(PRELUDE);
        for (int i = 0; i < forms.length; i++) {
            script.append(String.format("""
                    "$FUSE_OVERLAY" %s -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/m 2>"$OUT/log-%d" &
                    p=$!
                    for i in $(seq 100); do is_mounted "$B/m" && break; sleep 0.1; done
                    [ -d /proc/$p ] && echo foreground >"$OUT/state-%d"
                    cat m/file >/dev/null
                    fusermount3 -u "$B/m"
                    wait $p
                    """, forms[i], i, i));
        }
        Path out = run(t, script.toString());
        for (int i = 0; i < forms.length; i++) {
            String form = forms[i];
            String log = read(out.resolve("log-" + i));
            assertEquals("foreground\n", Files.exists(out.resolve("state-" + i)) ? read(out.resolve("state-" + i)) : "",
                    form + ": the command went to the background; its stderr:\n" + log);
            assertTrue(log.contains("lookup 1 = "), form + ": no request logged on stderr:\n" + log);
        }
    }

    /** {@code -o debug=0} is no debug: the command returns once the mount is ready and nothing is logged. */
    @Test
    void debugZeroMountsInTheBackgroundQuietly(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,debug=0 $B/m 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                cat m/file >"$OUT/read" 2>&1
                fusermount3 -u "$B/m"
                """);
        assertAll(
            () -> assertEquals("0\n", read(out.resolve("rc")), "exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertEquals("lower\n", read(out.resolve("read")), "reading through the mount"),
            () -> assertEquals("", read(out.resolve("stderr")), "nothing logged"));
    }

    /**
     * Options only the devfuse engine has (threads=, readers=, passthrough=, uring=) are named in one line
     * when the libfuse engine serves the mount, which works as without them; the devfuse engine takes them
     * without a word.
     */
    @Test
    void devfuseOptionsWithTheLibfuseEngineAreNamedOnce(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                for engine in libfuse devfuse; do
                  "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,engine=$engine,threads=8,passthrough=off $B/m \\
                    >"$OUT/stdout-$engine" 2>"$OUT/stderr-$engine"
                  echo $? >"$OUT/rc-$engine"
                  cat m/file >"$OUT/read-$engine" 2>&1
                  fusermount3 -u "$B/m"
                done
                """);
        assertAll(
            () -> assertEquals("0\n", read(out.resolve("rc-libfuse")), "exit status; stderr: " + read(out.resolve("stderr-libfuse"))),
            () -> assertEquals("fuse-overlay: threads=8,passthrough=off: options of the devfuse engine, ignored by the "
                    + "libfuse engine\n", read(out.resolve("stderr-libfuse"))),
            () -> assertEquals("lower\n", read(out.resolve("read-libfuse")), "reading through the libfuse mount"),
            () -> assertEquals("0\n", read(out.resolve("rc-devfuse")), "exit status; stderr: " + read(out.resolve("stderr-devfuse"))),
            () -> assertEquals("", read(out.resolve("stderr-devfuse")), "the devfuse engine takes them silently"),
            () -> assertEquals("lower\n", read(out.resolve("read-devfuse")), "reading through the devfuse mount"));
    }

    /**
     * The server writes nothing outside upper and work, its JVM included: no {@code /tmp/hsperfdata_USER/PID}
     * (the performance-data file every JVM keeps by default), and no file it holds or maps outside the layers,
     * the system's libraries and the build (jffi's native stub is loaded from {@code target/native}, not
     * extracted into /tmp, or into the current directory where /tmp is noexec).
     */
    @Test
    void theServerKeepsNoFileOutsideItsLayers(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/m 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                pid="$(server_pids "$B/m")"
                echo "$pid" >"$OUT/pid"
                ls /tmp/hsperfdata_*/"$pid" >"$OUT/perfdata" 2>/dev/null
                { ls -l /proc/$pid/fd | awk '$NF ~ "^/" {print $NF}'; awk '$6 ~ "^/" {print $6}' /proc/$pid/maps; } | sort -u | grep -v -e "^$B/" -e '^/dev/' -e '^/proc/' -e "^$JAVA_HOME_DIR/" -e "^$REPO_DIR/target/" -e '^/usr/lib/' -e '^/lib' -e '^/etc/' >"$OUT/outside"
                fusermount3 -u "$B/m"
                """.replace("$JAVA_HOME_DIR", System.getProperty("java.home")).replace("$REPO_DIR", ItSupport.REPO.toString()));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "mount; stderr: " + read(out.resolve("stderr"))),
            () -> assertFalse(read(out.resolve("pid")).isBlank(), "no server found"),
            () -> assertEquals("", read(out.resolve("perfdata")), "the server's JVM keeps a perf-data file in /tmp"),
            () -> assertEquals("", read(out.resolve("outside")), "files the server holds or maps outside its layers"));
    }

    /**
     * The server's stdout is the launcher's READY channel. Lines its JVM prints there first (a warning, or a
     * -Xlog output chosen in FUSE_OVERLAY_JVM_OPTS) go on to stderr and the mount comes up: before, the first
     * such line was taken for the answer and the launcher waited for the server to exit, a mount that never
     * returned. Both ways to the background: the launcher's own, and the JVM's (the jar run directly).
     */
    @Test
    void jvmOutputBeforeReadyNeitherHangsNorFailsTheMount(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                export FUSE_OVERLAY_JVM_OPTS="-Dfile.encoding=ISO-8859-1 -Xmx256m -XX:+UseSerialGC -XX:-UsePerfData -Xlog:os=info:stdout"
                mkdir -p u2 w2 m2
                timeout 30 "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/m >"$OUT/stdout" 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                cat m/file >"$OUT/read" 2>&1
                # shellcheck disable=SC2086
                timeout 30 java $FUSE_OVERLAY_JVM_OPTS -cp "$JAR" dev.fuseoverlay.cli.Main -o lowerdir=$B/l,upperdir=$B/u2,workdir=$B/w2 $B/m2 >/dev/null 2>"$OUT/stderr2"
                echo $? >"$OUT/rc2"
                cat m2/file >"$OUT/read2" 2>&1
                fusermount3 -u "$B/m"
                fusermount3 -u "$B/m2"
                """.replace("$JAR", ItSupport.REPO.resolve("target/fuse-overlay.jar").toString()));
        String stderr = read(out.resolve("stderr"));
        String stderr2 = read(out.resolve("stderr2"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "launcher's exit status (124: it hung); stderr: " + stderr),
            () -> assertEquals("lower\n", read(out.resolve("read")), "reading through the launcher's mount"),
            () -> assertTrue(stderr.contains("[info][os]"), "the JVM's lines must reach stderr, was:\n" + stderr),
            () -> assertEquals("", read(out.resolve("stdout")), "the launcher's stdout"),
            () -> assertEquals("0", read(out.resolve("rc2")).trim(), "the jar's exit status (124: it hung); stderr: " + stderr2),
            () -> assertEquals("lower\n", read(out.resolve("read2")), "reading through the jar's mount"),
            () -> assertTrue(stderr2.contains("[info][os]"), "the server's JVM lines must reach stderr, was:\n" + stderr2));
    }

    /**
     * The class-data archive the launcher makes is bound to the jar's path and JVM: a copied tree (its files
     * all new, the archive newer than the jar) makes its own instead of passing the original's, which the
     * JVM refuses with a warning on every start (and, before READY was read line by line, hung the mount).
     */
    @Test
    void aCopiedTreeMakesItsOwnClassArchive(TestInfo t) throws Exception {
        Path repo = ItSupport.REPO;
        Path out = run(t, PRELUDE + """
                "$REPO/fuse-overlay" --version >/dev/null 2>&1   # the original's archive, if not made yet
                mkdir -p copy/target
                cp "$REPO/fuse-overlay" copy/
                cp "$REPO/target/fuse-overlay.jar" copy/target/
                cp -r "$REPO/target/native" copy/target/
                cp "$REPO/target/fuse-overlay.jsa" "$REPO/target/fuse-overlay.jsa.for" copy/target/
                timeout 60 copy/fuse-overlay -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w $B/m >"$OUT/stdout" 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                cat m/file >"$OUT/read" 2>&1
                cat copy/target/fuse-overlay.jsa.for >"$OUT/for"
                fusermount3 -u "$B/m"
                """.replace("$REPO", repo.toString()));
        String stderr = read(out.resolve("stderr"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "exit status (124: it hung); stderr: " + stderr),
            () -> assertEquals("lower\n", read(out.resolve("read")), "reading through the mount"),
            () -> assertEquals("", stderr, "the copy's mount must print nothing (no refused archive)"),
            () -> assertTrue(read(out.resolve("for")).contains("/copy/target/fuse-overlay.jar "),
                    "the copy's archive is stamped with the copy's jar, was: " + read(out.resolve("for"))));
    }

    /**
     * devfuse as root: the mount's backing device reads ahead a whole request (1 MiB) instead of the 128 KiB
     * the kernel's INIT allows a FUSE server, and a sequential read through it returns the lower's bytes.
     */
    @Test
    void devfuseReadsAheadAWholeRequest(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                head -c 3000000 /dev/urandom >l/big
                "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,engine=devfuse $B/m 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                cat "/sys/class/bdi/$(mountpoint -d "$B/m")/read_ahead_kb" >"$OUT/ra" 2>&1
                echo 3 >/proc/sys/vm/drop_caches
                dd if=m/big bs=1M status=none | cmp - l/big >"$OUT/cmp" 2>&1 && echo same >"$OUT/cmp"
                fusermount3 -u "$B/m"
                """);
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "mount; stderr: " + read(out.resolve("stderr"))),
            () -> assertEquals("1024\n", read(out.resolve("ra")), "read_ahead_kb of the mount's backing device"),
            () -> assertEquals("same\n", read(out.resolve("cmp")), "a sequential read through the mount"));
    }

    /**
     * devfuse as root: reads and writes of upper files go straight to the upper file (FUSE passthrough), so
     * a new file written in 16 writes sends no WRITE to the server, while a lower file held open for reading
     * (the usual way) keeps its append going through the server, and so does a writer other than root (the
     * server must see its writes to clear set-id bits); with {@code passthrough=off} every write is a request.
     */
    @Test
    void devfusePassesUpperFilesThrough(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                for pt in on off; do
                  "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,debug,passthrough=$pt $B/m 2>"$OUT/log-$pt" &
                  for i in $(seq 200); do mountpoint -q m && break; sleep 0.05; done
                  dd if=/dev/zero of=m/new-$pt bs=64k count=16 status=none
                  cat m/new-$pt >/dev/null
                  (exec 3<m/file; echo more-$pt >>m/file)
                  cmp m/new-$pt u/new-$pt && echo "same $pt" >>"$OUT/cmp"
                  chmod 666 m/new-$pt && setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo nobody >>m/new-$pt"
                  fusermount3 -u "$B/m"; wait
                  grep -c '^write ' "$OUT/log-$pt" >"$OUT/writes-$pt"
                done
                cat u/file >"$OUT/file"
                """);
        assertAll(
            () -> assertEquals("same on\nsame off\n", read(out.resolve("cmp")), "the data in upper"),
            () -> assertEquals("lower\nmore-on\nmore-off\n", read(out.resolve("file"))),
            () -> assertEquals("2\n", read(out.resolve("writes-on")),
                    "WRITE requests with passthrough (the held file's append and nobody's)"),
            () -> assertEquals("18\n", read(out.resolve("writes-off")), "WRITE requests with passthrough=off"));
    }

    /**
     * devfuse: one client's requests are answered by one worker with {@code readers=load} (the default), so
     * that it stays next to its client, and go round every worker with {@code readers=all}, and with
     * {@code readers=load} as well while requests wait for the disk (copy-ups that sync); the debug log
     * names the worker of each reply.
     */
    @Test
    void oneClientKeepsOneReaderUnlessReadersAll(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                for i in $(seq 100); do echo "file $i" >l/f$i; done
                for r in load all sync; do
                  "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,debug,readers=${r/sync/load} $B/m 2>"$OUT/log-$r" &
                  for i in $(seq 200); do mountpoint -q m && break; sleep 0.05; done
                  if [ $r = sync ]; then
                    chmod g+w m/f*; cat m/f* >/dev/null; stat -c %A m/f1 >"$OUT/mode"
                  else
                    for i in $(seq 100); do cat m/f$i; done >"$OUT/cat-$r"
                  fi
                  fusermount3 -u "$B/m"; wait
                  # replies per worker, most first
                  awk '/ = / && $NF ~ /^.devfuse-[0-9]+.$/ {print $NF}' "$OUT/log-$r" | sort | uniq -c | sort -rn | awk '{print $1}' >"$OUT/per-$r"
                done
                """);
        String expected = IntStream.rangeClosed(1, 100).mapToObj(i -> "file " + i + "\n").collect(Collectors.joining());
        List<Integer> load = read(out.resolve("per-load")).lines().map(Integer::parseInt).toList();
        List<Integer> all = read(out.resolve("per-all")).lines().map(Integer::parseInt).toList();
        int loadTotal = load.stream().mapToInt(Integer::intValue).sum();
        int allTotal = all.stream().mapToInt(Integer::intValue).sum();
        List<Integer> sync = read(out.resolve("per-sync")).lines().map(Integer::parseInt).toList();
        int syncTotal = sync.stream().mapToInt(Integer::intValue).sum();
        assertAll(
            () -> assertEquals("-rw-rw-r--\n", read(out.resolve("mode"))),
            () -> assertTrue(syncTotal >= 200 && sync.get(0) < syncTotal * 9 / 10,
                    "readers=load, copy-ups: every worker reads while requests wait for the disk, per worker: " + sync),
            () -> assertEquals(expected, read(out.resolve("cat-load"))),
            () -> assertEquals(expected, read(out.resolve("cat-all"))),
            () -> assertTrue(loadTotal >= 300 && load.get(0) >= loadTotal * 9 / 10,
                    "readers=load: one worker answers (nearly) all of one client's requests, per worker: " + load),
            () -> assertTrue(allTotal >= 300 && all.size() == 4 && all.get(3) >= allTotal / 10,
                    "readers=all: the requests go round the four workers, per worker: " + all));
    }

    /**
     * {@code uring=on}: FUSE over io_uring, one queue per possible CPU. The kernel puts a request on the queue
     * of the CPU its caller runs on, so a client pinned to CPU c is answered by {@code devfuse-ring-c} (the debug
     * log names the thread of each reply); reads, copy-ups, creates, renames and removals give the same tree as
     * without it; unmounting ends the queues and the server. Where the kernel does not offer it
     * ({@code enable_uring} N), the mount says so in one line and the workers answer as before. The module
     * parameter is the machine's: the script sets it for each phase and puts it back. {@code uring=rt}: the
     * queue threads run SCHED_FIFO 1 (the workers stay as they are); without CAP_SYS_NICE one line says they
     * stay at normal priority, and the mount works the same.
     */
    @Test
    void uringQueuesAnswerOnTheCallersCpu(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                P=/sys/module/fuse/parameters/enable_uring
                [ -w $P ] || { echo "no $P: this kernel has no FUSE over io_uring" >"$OUT/no-uring"; exit 1; }
                old=$(cat $P); trap 'echo $old >$P' EXIT
                for i in $(seq 40); do echo "file $i" >l/f$i; done
                cpus=$(nproc --all)
                echo $cpus >"$OUT/cpus"
                for phase in on off; do
                  echo $([ $phase = on ] && echo 1 || echo 0) >$P
                  rm -rf u w; mkdir u w
                  "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,uring=on,debug $B/m 2>"$OUT/log-$phase" & srv=$!
                  for i in $(seq 200); do mountpoint -q m && break; sleep 0.05; done
                  for c in $(seq 0 $((cpus - 1))); do
                    n0=$(wc -l <"$OUT/log-$phase")
                    taskset -c $c sh -c 'for i in $(seq 40); do cat m/f$i; done' >"$OUT/cat-$phase-$c"
                    sleep 0.2
                    tail -n +$((n0 + 1)) "$OUT/log-$phase" | awk '/ = / {print $NF}' | sort | uniq -c | sort -rn | head -1 | awk '{print $2}' >"$OUT/who-$phase-$c"
                  done
                  echo more >>m/f1; echo new >m/new; mkdir m/d; mv m/f2 m/d/moved; rm m/f3; ln -s f4 m/sym
                  (cd m && find . | sort && cat f1 new d/moved && readlink sym) >"$OUT/tree-$phase"
                  umount "$B/m"; wait $srv; echo $? >"$OUT/rc-$phase"
                  grep -c 'devfuse-ring' "$OUT/log-$phase" >"$OUT/ring-replies-$phase"
                done
                # uring=rt: the queue threads at real-time priority, the workers not; refused without CAP_SYS_NICE
                echo 1 >$P
                for phase in rt rt-refused; do
                  rm -rf u w; mkdir u w
                  pre=; [ $phase = rt-refused ] && pre="setpriv --bounding-set -sys_nice"
                  $pre "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/u,workdir=$B/w,uring=rt,debug $B/m 2>"$OUT/log-$phase" & srv=$!
                  for i in $(seq 200); do mountpoint -q m && break; sleep 0.05; done
                  cat m/f1 m/f40 >"$OUT/cat-$phase"
                  ps -eLo cls=,rtprio=,comm=,args= | awk -v m="$B/m" 'index($0, m) && $3 ~ /^devfuse-(ring-)?[0-9]/ {print $1, $2, $3}' \
                    | sort -k3,3V >"$OUT/sched-$phase"
                  umount "$B/m"; wait $srv; echo $? >"$OUT/rc-$phase"
                  grep -c 'devfuse-ring' "$OUT/log-$phase" >"$OUT/ring-replies-$phase"
                done
                """);
        int cpus = Integer.parseInt(read(out.resolve("cpus")).trim());
        String expected = IntStream.rangeClosed(1, 40).mapToObj(i -> "file " + i + "\n").collect(Collectors.joining());
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (int c = 0; c < cpus; c++) {
            int cpu = c;
            checks.add(() -> assertEquals(expected, read(out.resolve("cat-on-" + cpu))));
            checks.add(() -> assertEquals("[devfuse-ring-" + cpu + "]\n", read(out.resolve("who-on-" + cpu)),
                    "a client on CPU " + cpu + " is answered by that CPU's queue"));
            checks.add(() -> assertEquals(expected, read(out.resolve("cat-off-" + cpu))));
        }
        checks.add(() -> assertEquals(read(out.resolve("tree-off")), read(out.resolve("tree-on")), "the same tree either way"));
        checks.add(() -> {
            String tree = read(out.resolve("tree-on"));
            assertTrue(tree.contains("./d/moved\n") && tree.contains("./new\n") && tree.contains("./sym\n")
                    && !tree.contains("./f2\n") && !tree.contains("./f3\n") && tree.endsWith("file 1\nmore\nnew\nfile 2\nf4\n"), tree);
        });
        checks.add(() -> assertEquals("0\n", read(out.resolve("rc-on")), "the server ends with the mount"));
        checks.add(() -> assertEquals("0\n", read(out.resolve("rc-off"))));
        checks.add(() -> assertEquals("0\n", read(out.resolve("ring-replies-off")), "no queues where the kernel does not offer them"));
        checks.add(() -> assertTrue(read(out.resolve("log-off")).contains(
                "fuse-overlay: uring=on: the kernel does not offer FUSE over io_uring"), "one line says why"));
        StringBuilder rt = new StringBuilder(), normal = new StringBuilder();
        for (int w = 0; w < 4; w++) {
            rt.append("TS - devfuse-").append(w).append('\n');
        }
        normal.append(rt);
        for (int c = 0; c < cpus; c++) {
            rt.append("FF 1 devfuse-ring-").append(c).append('\n');
            normal.append("TS - devfuse-ring-").append(c).append('\n');
        }
        for (String phase : List.of("rt", "rt-refused")) {
            checks.add(() -> assertEquals("file 1\nfile 40\n", read(out.resolve("cat-" + phase))));
            checks.add(() -> assertEquals("0\n", read(out.resolve("rc-" + phase))));
            checks.add(() -> assertNotEquals("0\n", read(out.resolve("ring-replies-" + phase)), "answered through the queues"));
        }
        checks.add(() -> assertEquals(rt.toString(), read(out.resolve("sched-rt")), "queue threads SCHED_FIFO 1, workers not"));
        checks.add(() -> assertEquals(normal.toString(), read(out.resolve("sched-rt-refused")), "without CAP_SYS_NICE"));
        checks.add(() -> assertEquals(List.of("fuse-overlay: uring=rt: the queues stay at normal priority: sched_setscheduler: "
                + "Operation not permitted (needs CAP_SYS_NICE or an RLIMIT_RTPRIO)"),
                read(out.resolve("log-rt-refused")).lines().filter(l -> l.startsWith("fuse-overlay:")).toList(),
                "said once, and nothing else goes wrong"));
        checks.add(() -> assertTrue(read(out.resolve("log-rt")).lines().noneMatch(l -> l.startsWith("fuse-overlay:")),
                "nothing to say when it is allowed"));
        assertAll(checks);
    }

    /**
     * An upper layer on a filesystem that itself stacks (kernel overlayfs, as in a container's root) cannot
     * back passthrough files: the first refusal turns passthrough off for the mount, and every write goes
     * through the server, with the data where it belongs.
     */
    @Test
    void passthroughStepsAsideForAStackedUpperFilesystem(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                mkdir -p kl ku kw k
                mount -t overlay overlay -o lowerdir=$B/kl,upperdir=$B/ku,workdir=$B/kw $B/k && mkdir k/u k/w
                "$FUSE_OVERLAY" -o lowerdir=$B/l,upperdir=$B/k/u,workdir=$B/k/w,debug $B/m 2>"$OUT/log" &
                for i in $(seq 200); do mountpoint -q m && break; sleep 0.05; done
                echo new >m/g; echo more >>m/g; echo x >>m/file
                cat m/g m/file >"$OUT/merged"
                cat k/u/g k/u/file >"$OUT/upper"
                fusermount3 -u "$B/m"; wait
                umount "$B/k"
                grep -c '^passthrough refused' "$OUT/log" >"$OUT/refusals"
                grep -c '^write ' "$OUT/log" >"$OUT/writes"
                """);
        assertAll(
            () -> assertEquals("new\nmore\nlower\nx\n", read(out.resolve("merged"))),
            () -> assertEquals("new\nmore\nlower\nx\n", read(out.resolve("upper"))),
            () -> assertEquals("1\n", read(out.resolve("refusals")), "backing files refused once, then not asked again"),
            () -> assertEquals("3\n", read(out.resolve("writes")), "every write served by the server"));
    }

    /**
     * Rootless, in a user namespace, trusted.* cannot be written: fuse-overlay keeps its xattrs in
     * user.overlay.* by itself, says so in one line on stderr (nothing on stdout, exit 0), and writes the
     * same upper layer as kernel overlayfs mounted there with {@code userxattr} (which it needs there).
     */
    @Test
    void rootlessChoosesUserXattrsLikeTheKernelsUserxattr(TestInfo t) throws Exception {
        Path out = run(t, """
                for impl in kernel fuse; do
                  mkdir -p $impl/l/d $impl/l/e $impl/u $impl/w $impl/m
                  echo lower >$impl/l/f; echo x >$impl/l/d/x; echo y >$impl/l/e/y
                done
                ops='rm f && rm -rf d && mkdir d && echo n >d/n && mv e/y e/z && ls -A . d e'
                unshare --user --map-root-user --mount bash -c '
                  B=$1 FUSE_OVERLAY=$2 OUT=$3 ops=$4
                  mount -t overlay overlay -o lowerdir=$B/kernel/l,upperdir=$B/kernel/u,workdir=$B/kernel/w,userxattr $B/kernel/m \
                    && (cd $B/kernel/m && eval "$ops") >$OUT/kernel-ops 2>&1
                  umount $B/kernel/m
                  "$FUSE_OVERLAY" -o lowerdir=$B/fuse/l,upperdir=$B/fuse/u,workdir=$B/fuse/w $B/fuse/m >$OUT/stdout 2>$OUT/stderr
                  echo $? >$OUT/rc
                  (cd $B/fuse/m && eval "$ops") >$OUT/fuse-ops 2>&1
                  umount $B/fuse/m
                ' rootless "$B" "$FUSE_OVERLAY" "$OUT" "$ops"
                dump kernel/u upper >"$OUT/kernel-upper"
                dump fuse/u upper >"$OUT/fuse-upper"
                """);
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertEquals("fuse-overlay: overlay xattrs in user.overlay.* (trusted.* not writable on the upper layer)\n",
                    read(out.resolve("stderr")), "one informational line on stderr"),
            () -> assertEquals("", read(out.resolve("stdout")), "nothing on stdout"),
            () -> assertTrue(read(out.resolve("kernel-upper")).contains("user.overlay.opaque=0x79"),
                    "the kernel wrote an opaque directory:\n" + read(out.resolve("kernel-upper"))),
            () -> assertEquals(read(out.resolve("kernel-ops")), read(out.resolve("fuse-ops")), "what the commands printed"),
            () -> assertEquals(read(out.resolve("kernel-upper")), read(out.resolve("fuse-upper")),
                    "the upper layer, kernel overlayfs with userxattr vs fuse-overlay choosing by itself"));
    }

    /**
     * A plain user (no user namespace) mounts with the default engine: mount(2) is refused to it, so the
     * mount goes through libfuse and fusermount3, copy-up works (work/work is 0700 for a plain user: mode 0,
     * the kernel's, would lock it out), and fusermount3 -u ends the server. Asked for explicitly, devfuse
     * refuses in one line and mounts nothing. The machine's /dev/fuse may be root-only, so the test binds a
     * 0666 node of the same device over it inside its private mount namespace (the host's is not touched).
     */
    @Test
    void plainUserMountsThroughFusermount3(TestInfo t) throws Exception {
        Path out = run(t, """
                mknod fusedev c 10 229 && chmod 666 fusedev && mount --bind "$B/fusedev" /dev/fuse
                mkdir -p p/l/d p/u p/w p/m p/u2 p/w2 p/m2
                echo lower >p/l/d/f
                chown -R 1000:1000 p
                as() { setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"; }
                as "$FUSE_OVERLAY" -o lowerdir=$B/p/l,upperdir=$B/p/u,workdir=$B/p/w $B/p/m >$OUT/stdout 2>$OUT/stderr
                echo $? >$OUT/rc
                is_mounted $B/p/m && echo yes >$OUT/mounted
                as cat p/m/d/f >$OUT/read 2>&1
                as sh -c 'echo new >p/m/d/g' >$OUT/write 2>&1
                cat p/u/d/g >$OUT/upper-g 2>&1
                as fusermount3 -u $B/p/m
                for i in $(seq 100); do [ -z "$(server_pids $B/p/m)" ] && break; sleep 0.1; done
                [ -z "$(server_pids $B/p/m)" ] && echo yes >$OUT/server-exited
                as "$FUSE_OVERLAY" -o engine=devfuse,lowerdir=$B/p/l,upperdir=$B/p/u2,workdir=$B/p/w2 $B/p/m2 \
                  >$OUT/dev-stdout 2>$OUT/dev-stderr
                echo $? >$OUT/dev-rc
                echo "$B/p/m2" >$OUT/dev-mnt
                is_mounted $B/p/m2 && echo yes >$OUT/dev-mounted
                ls -A p/u2 >$OUT/dev-upper
                """);
        String refusal = read(out.resolve("dev-stderr"));
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "exit status; stderr: " + read(out.resolve("stderr"))),
            () -> assertEquals("fuse-overlay: overlay xattrs in user.overlay.* (trusted.* not writable on the upper layer)\n",
                    read(out.resolve("stderr")), "only the xattr namespace line on stderr"),
            () -> assertEquals("yes\n", read(out.resolve("mounted")), "not mounted"),
            () -> assertEquals("lower\n", read(out.resolve("read")), "reading through the mount"),
            () -> assertEquals("", read(out.resolve("write")), "creating a file (copy-up of its directory)"),
            () -> assertEquals("new\n", read(out.resolve("upper-g")), "the new file in the upper layer"),
            () -> assertEquals("yes\n", read(out.resolve("server-exited")), "the server did not exit after fusermount3 -u"),
            () -> assertNotEquals("0", read(out.resolve("dev-rc")).trim(), "engine=devfuse as a plain user must fail"),
            () -> assertEquals(List.of("fuse-overlay: overlay xattrs in user.overlay.* (trusted.* not writable on the upper layer)",
                    "fuse-overlay: engine=devfuse cannot mount " + read(out.resolve("dev-mnt")).trim()
                            + ": mount(2) needs root (or root of a user namespace); use -o engine=libfuse"),
                    refusal.lines().toList(), "one line saying why, no stack trace"),
            () -> assertFalse(Files.exists(out.resolve("dev-mounted")), "engine=devfuse mounted something"),
            () -> assertEquals("", read(out.resolve("dev-upper")), "the refused mount wrote into its upper layer"));
    }

    /**
     * {@code mount -t fuse.fuse-overlay fuse-overlay MNT -o ...}: mount(8) runs mount.fuse3, which runs
     * {@code fuse-overlay} from a fixed PATH. The launcher is made reachable as /usr/local/bin/fuse-overlay
     * only inside the private namespace (a directory bind-mounted over /usr/local/bin there); the host's
     * /usr/local/bin is never touched. {@code umount MNT} must make the server exit.
     */
    @Test
    void mountHelperFormAndUmount(TestInfo t) throws Exception {
        Path out = run(t, PRELUDE + """
                mkdir -p bin && ln -s "$(readlink -f "$FUSE_OVERLAY")" bin/fuse-overlay
                mount --bind "$B/bin" /usr/local/bin
                mount -t fuse.fuse-overlay fuse-overlay "$B/m" -o lowerdir=$B/l:$B/l2,upperdir=$B/u,workdir=$B/w \\
                  >"$OUT/stdout" 2>"$OUT/stderr"
                echo $? >"$OUT/rc"
                is_mounted "$B/m" && echo yes >"$OUT/mounted"
                mounts_under "$B/m" | cut -d' ' -f2 >"$OUT/fstype"
                cat m/file m/file2 >"$OUT/read" 2>&1
                echo written >m/new && cat u/new >"$OUT/upper" 2>&1
                pids="$(server_pids "$B/m")"
                echo "$pids" >"$OUT/pids"
                umount "$B/m"; echo $? >"$OUT/umount-rc"
                for i in $(seq 100); do
                  alive=; for p in $pids; do [ -d /proc/$p ] && alive=1; done
                  [ -z "$alive" ] && break; sleep 0.1
                done
                [ -n "$pids" ] && [ -z "$alive" ] && echo yes >"$OUT/server-exited"
                is_mounted "$B/m" || echo yes >"$OUT/unmounted"
                """);
        assertAll(
            () -> assertEquals("0", read(out.resolve("rc")).trim(), "mount -t fuse.fuse-overlay exit status; stderr: "
                    + read(out.resolve("stderr"))),
            () -> assertEquals("yes\n", read(out.resolve("mounted")), "not mounted by mount(8)"),
            () -> assertEquals("fuse.fuse-overlay\n", read(out.resolve("fstype")), "filesystem type in mountinfo"),
            () -> assertEquals("lower\nlower2\n", read(out.resolve("read")), "reading through the mount"),
            () -> assertEquals("written\n", read(out.resolve("upper")), "writing through the mount"),
            () -> assertFalse(read(out.resolve("pids")).isBlank(), "no server process found for the mount"),
            () -> assertEquals("0", read(out.resolve("umount-rc")).trim(), "umount exit status"),
            () -> assertEquals("yes\n", read(out.resolve("server-exited")), "the server did not exit after umount"),
            () -> assertEquals("yes\n", read(out.resolve("unmounted")), "still mounted after umount"),
            () -> assertFalse(Files.exists(Paths.get("/usr/local/bin/fuse-overlay"))
                    && Files.isSymbolicLink(Paths.get("/usr/local/bin/fuse-overlay"))
                    && Files.readSymbolicLink(Paths.get("/usr/local/bin/fuse-overlay")).toString().contains("/tmp/nsrun."),
                    "the test's /usr/local/bin link leaked to the host"));
    }

    // ---- running a case -----------------------------------------------------------------------------------

    /** Runs a script through nsrun in private namespaces; returns its OUT directory. */
    private static Path run(TestInfo t, String script) throws IOException, InterruptedException {
        String name = t.getTestMethod().map(m -> m.getName()).orElse("case");
        Path out = ItSupport.OUT.resolve("cli").resolve(name);
        if (Files.isDirectory(out)) {
            try (var s = Files.list(out)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(out);
        Path file = ItSupport.OUT.resolve("cli").resolve(name + ".sh");
        Files.writeString(file, script + "\nexit 0 # results are in $OUT; the checks are the test's\n");
        Path log = ItSupport.OUT.resolve("cli").resolve(name + ".log");
        Process p = ItSupport.start(log, ItSupport.NSRUN.toString(), file.toString(), out.toString());
        int rc = ItSupport.await(p, Duration.ofSeconds(120), "nsrun " + name);
        if (rc != 0) {
            throw new AssertionError("the test script failed (rc=" + rc + "):\n" + ItSupport.tail(log, 30));
        }
        return out;
    }
}
