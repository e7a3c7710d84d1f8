package dev.fuseoverlay.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.ops.Caller;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.ops.Trace;
import dev.fuseoverlay.whiteout.Whiteouts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * explain, diff, layers and the trace, on real layers (no mount). Fixture: app (l0) over base (l1).
 * <pre>
 *   l0 app:  etc/menu.txt  etc/nginx/nginx.conf
 *   l1 base: etc/menu.txt  etc/os-release  usr/doc/readme  usr/big (64 KiB)
 * </pre>
 */
class StudyToolsTest {
    private final TestLayers t = new TestLayers(2)
            .file("l0", "etc/menu.txt", "app menu").file("l0", "etc/nginx/nginx.conf", "worker 1;")
            .file("l1", "etc/menu.txt", "base menu").file("l1", "etc/os-release", "debian")
            .file("l1", "usr/doc/readme", "r").file("l1", "usr/big", "x".repeat(65536));
    private final Overlay ov = t.overlay();
    private final ByteArrayOutputStream traced = new ByteArrayOutputStream();

    StudyToolsTest() {
        ov.setTrace(Trace.to(new PrintStream(traced, true, StandardCharsets.ISO_8859_1)));
    }

    private List<String> trace() {
        return List.of(traced.toString(StandardCharsets.ISO_8859_1).split("\n"));
    }

    private Overlay inspect() {
        return Overlay.inspect(LayerStack.open(t.options(), null, t.fs), t.fs);
    }

    @Test
    void explainNamesTheServingLayerAndWhyOthersAreHidden() {
        List<Explain.Row> rows = new Explain(inspect(), t.fs).rows("/etc/menu.txt");
        assertEquals("has no /etc", rows.get(0).verdict());
        assertTrue(rows.get(1).verdict().startsWith("SERVES IT"), rows.get(1).verdict());
        assertEquals("hidden: lower 0 has it above", rows.get(2).verdict());
        assertEquals("file, 9 bytes", rows.get(2).state());
    }

    @Test
    void explainFollowsWhiteoutsAndOpaqueDirectories() {
        ov.unlink("/etc/os-release");
        ov.unlink("/usr/doc/readme");
        ov.rmdir("/usr/doc");
        ov.mkdir("/usr/doc", 0755, Caller.ROOT);
        Explain ex = new Explain(inspect(), t.fs);
        List<Explain.Row> gone = ex.rows("/etc/os-release");
        assertEquals("whiteout", gone.get(0).state());
        assertEquals("hidden by the whiteout of /etc/os-release in upper", gone.get(2).verdict());
        List<Explain.Row> doc = ex.rows("/usr/doc/readme");
        assertEquals("hidden: /usr/doc is opaque in upper", doc.get(2).verdict());
        assertEquals("/usr/doc/readme: not in the merged view", ex.lines("/usr/doc/readme").get(0));
        assertTrue(ex.lines("/etc").contains("    nginx                          dir      from lower 0"), ex.lines("/etc").toString());
        t.file("u", "etc/.wh.gone", "");                     // an AUFS marker: no layer serves it
        for (Explain.Row r : ex.rows("/etc/.wh.gone")) {
            assertEquals("never visible: .wh. names are whiteout markers", r.verdict(), r.layer().label());
        }
        assertEquals("/etc/.wh.gone: not in the merged view", ex.lines("/etc/.wh.gone").get(0));
    }

    /** explain reads the marks of the namespace the mount would use: -o userxattr for a rootless upper. */
    @Test
    void explainReadsUserXattrMarksWithUserxattr() {
        ov.close();
        t.dir("u", "usr/doc");
        t.fs.setxattr(t.upper() + "/usr/doc", "user.overlay.opaque", new byte[] {'y'}, 0);
        List<Explain.Row> asRoot = new Explain(inspect(), t.fs).rows("/usr/doc/readme");
        assertEquals("SERVES IT: the topmost layer that has it", asRoot.get(2).verdict(), "trusted.*: a user's xattr");
        Overlay user = Overlay.inspect(LayerStack.open(t.options(), null, t.fs), t.fs, true);
        assertEquals("hidden: /usr/doc is opaque in upper", new Explain(user, t.fs).rows("/usr/doc/readme").get(2).verdict());
    }

    @Test
    void explainNamesAKernelRedirectItDoesNotFollow() {
        t.dir("u", "var/html");
        t.fs.setxattr(t.upper() + "/var/html", "trusted.overlay.redirect", "www".getBytes(), 0);
        List<Explain.Row> rows = new Explain(inspect(), t.fs).rows("/var/html");
        assertTrue(rows.get(0).verdict().endsWith("has a redirect to www (written by redirect_dir=on; followed unless mounted with redirect_dir=nofollow, and in user.overlay.* only with redirect_dir=follow or on)"),
                rows.get(0).verdict());
    }

    @Test
    void traceSaysWhatEachOperationDecided() {
        ov.unlink("/etc/os-release");
        TestLayers.append(ov, "/etc/nginx/nginx.conf", "\nworker 2;");
        ov.rename("/etc/menu.txt", "/etc/menu.old");
        TestLayers.createFile(ov, "/etc/new.conf", "n");
        ov.unlink("/etc/new.conf");
        ov.unlink("/usr/doc/readme");
        ov.rmdir("/usr/doc");
        ov.mkdir("/usr/doc", 0755, Caller.ROOT);
        try {
            ov.rename("/usr", "/usr2");
        } catch (RuntimeException expected) {
            // EXDEV, traced
        }
        assertEquals(List.of(
                "unlink /etc/os-release: found in lower 1, whiteout created in upper (nothing copied)",
                "open /etc/nginx/nginx.conf for write: copy-up 9 bytes from lower 0 into upper",
                "rename /etc/menu.txt -> /etc/menu.old: copy-up 8 bytes from lower 0, moved in upper, whiteout left at /etc/menu.txt (lower 0 still has it)",
                "create /etc/new.conf: created in upper",
                "unlink /etc/new.conf: only in upper, removed",
                "unlink /usr/doc/readme: found in lower 1, whiteout created in upper (nothing copied)",
                "rmdir /usr/doc: upper copy replaced by a whiteout (lower 1 still has it)",
                "mkdir /usr/doc: created in upper, replacing the whiteout that hid a lower copy; opaque, so the lower directory's entries stay hidden",
                "rename /usr -> /usr2: EXDEV, the directory has parts in lower 1 (redirect_dir=off); tools such as mv then copy it"),
                trace());
    }

    @Test
    void diffReportsAddedChangedDeletedLikeDockerDiff() {
        ov.unlink("/etc/os-release");
        TestLayers.append(ov, "/etc/menu.txt", "+");
        TestLayers.createFile(ov, "/etc/new.conf", "n");
        ov.unlink("/usr/doc/readme");
        ov.rmdir("/usr/doc");
        ov.mkdir("/usr/doc", 0755, Caller.ROOT);
        MountOptions lowersOnly = MountOptions.parse(List.of("lowerdir=" + t.lower(0) + ":" + t.lower(1)));
        Overlay lowers = Overlay.inspect(LayerStack.open(lowersOnly, null, t.fs), t.fs);
        t.fs.addRoot(t.upper().toString());
        List<String> lines = new UpperDiff(t.fs, new Whiteouts(t.fs, "trusted"), lowers).changes(t.upper().toString())
                .stream().map(c -> c.kind() + " " + c.path()).collect(Collectors.toList());
        assertEquals(List.of("C /etc", "C /etc/menu.txt", "A /etc/new.conf", "D /etc/os-release", "C /usr", "C /usr/doc",
                "D /usr/doc/readme"), lines, "the opaque directory deletes what the lower one held");
    }

    @Test
    void diffReadsAufsWhiteoutsAndJson() {
        t.file("u", "etc/.wh.os-release", "").file("u", "etc/added", "a");
        t.fs.addRoot(t.upper().toString());
        List<UpperDiff.Change> changes = new UpperDiff(t.fs, new Whiteouts(t.fs, "trusted"), null).changes(t.upper().toString());
        assertEquals("[\n  {\"kind\": \"A\", \"path\": \"/etc\"},\n  {\"kind\": \"A\", \"path\": \"/etc/added\"},\n"
                + "  {\"kind\": \"D\", \"path\": \"/etc/os-release\"}\n]", UpperDiff.json(changes));
    }

    @Test
    void layersShowBytesHiddenByDeletion() {
        ov.unlink("/usr/big");
        List<LayerReport.Row> rows = new LayerReport(inspect(), t.fs).rows();
        LayerReport.Row base = rows.get(2);
        assertEquals(4, base.files());
        assertEquals(1, rows.get(0).whiteouts());
        assertEquals(2, base.hiddenFiles(), "menu.txt shadowed by app, big deleted");
        assertTrue(base.hiddenBytes() >= 65536, "the deleted file still takes its space: " + base.hiddenBytes());
    }
}
