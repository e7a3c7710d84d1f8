package dev.fuseoverlay.whiteout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.Stat;
import org.junit.jupiter.api.Test;

/** The codec reads every format and writes the kernel's. */
class WhiteoutsTest {
    private final TestLayers t = new TestLayers(1);
    private final Whiteouts wh = new Whiteouts(t.fs, "trusted");

    @Test
    void writesA00CharacterDevice() {
        wh.create(t.upper() + "/gone");
        Stat st = t.fs.lstat(t.upper() + "/gone");
        assertTrue(Whiteouts.isWhiteout(st));
        assertEquals(Stat.S_IFCHR, st.type());
        assertEquals(0, st.rdev);
    }

    @Test
    void otherDevicesAreNotWhiteouts() {
        t.fs.mknod(t.upper() + "/null", Stat.S_IFCHR | 0666, (1 << 8) | 3);
        assertFalse(Whiteouts.isWhiteout(t.fs.lstat(t.upper() + "/null")));
    }

    @Test
    void opaqueInEveryFormat() {
        t.opaqueXattr("u", "a", "trusted.overlay.opaque").opaqueXattr("u", "b", "user.overlay.opaque")
                .file("u", "c/.wh..wh..opq", "").dir("u", "plain");
        t.fs.setxattr(t.upper() + "/plain", "trusted.overlay.opaque", new byte[] {'n'}, 0);
        assertTrue(wh.isOpaque(t.upper() + "/a"));
        assertFalse(wh.isOpaque(t.upper() + "/b"), "user.overlay.* is a user's xattr for a trusted.* mount");
        assertTrue(wh.isOpaque(t.upper() + "/c"));
        assertFalse(wh.isOpaque(t.upper() + "/plain"));
        Whiteouts user = new Whiteouts(t.fs, "user");
        assertFalse(user.isOpaque(t.upper() + "/a"));
        assertTrue(user.isOpaque(t.upper() + "/b"));
        assertTrue(user.isOpaque(t.upper() + "/c"));
        Whiteouts any = Whiteouts.anyNamespace(t.fs);
        assertTrue(any.isOpaque(t.upper() + "/a") && any.isOpaque(t.upper() + "/b") && any.isOpaque(t.upper() + "/c"));
        assertFalse(any.isOpaque(t.upper() + "/plain"));
    }

    @Test
    void setOpaqueUsesTheMountsNamespace() {
        t.dir("u", "d");
        Whiteouts user = new Whiteouts(t.fs, "user");
        user.setOpaque(t.upper() + "/d");
        assertEquals("y", new String(t.fs.getxattr(t.upper() + "/d", "user.overlay.opaque")));
        assertTrue(user.isOpaque(t.upper() + "/d"));
    }

    @Test
    void aufsWhiteoutsAreRecognised() {
        t.file("l0", "dir/.wh.name", "");
        assertTrue(wh.hasAufsWhiteout(t.lower(0) + "/dir", "name"));
        assertFalse(wh.hasAufsWhiteout(t.lower(0) + "/dir", "other"));
    }

    @Test
    void privateXattrNames() {
        assertTrue(Whiteouts.isPrivateXattr("trusted.overlay.opaque"));
        assertTrue(Whiteouts.isPrivateXattr("user.overlay.redirect"));
        assertFalse(Whiteouts.isPrivateXattr("trusted.overlay.overlay.mine"), "escaped: a user's own value");
        assertFalse(Whiteouts.isPrivateXattr("user.mime_type"));
        assertFalse(Whiteouts.isPrivateXattr("security.capability"));
        assertTrue(wh.isOwnXattr("trusted.overlay.origin"));
        assertFalse(wh.isOwnXattr("trusted.overlay.overlay.origin"), "escaped: a user's own value");
        assertFalse(wh.isOwnXattr("user.overlay.redirect"), "the other namespace's: a user's");
        assertTrue(new Whiteouts(t.fs, "user").isOwnXattr("user.overlay.redirect"));
        assertFalse(new Whiteouts(t.fs, "user").isOwnXattr("trusted.overlay.redirect"));
    }

    @Test
    void ownPrefixIsEscapedOtherNamesPassThrough() {
        assertEquals("trusted.overlay.overlay.x", wh.realXattrName("trusted.overlay.x"));
        assertEquals("user.overlay.opaque", wh.realXattrName("user.overlay.opaque"));
        assertEquals("trusted.overlay.x", wh.visibleXattrName("trusted.overlay.overlay.x"));
        assertNull(wh.visibleXattrName("trusted.overlay.opaque"));
        assertEquals("user.fuseoverlayfs.x", wh.visibleXattrName("user.fuseoverlayfs.x"));
        Whiteouts user = new Whiteouts(t.fs, "user");
        assertEquals("user.overlay.overlay.opaque", user.realXattrName("user.overlay.opaque"));
        assertNull(user.visibleXattrName("user.overlay.opaque"));
    }

    @Test
    void namespaceProbeFindsTrustedAsRoot() {
        assertEquals("trusted", Whiteouts.probeNamespace(t.fs, t.work().toString(), false));
        assertEquals("user", Whiteouts.probeNamespace(t.fs, t.work().toString(), true));
    }
}
