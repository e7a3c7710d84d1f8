package dev.fuseoverlay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** fuse-overlayfs's uidmapping=/gidmapping= and squash options, on the overlay without a mount. */
class OwnersTest {
    private static Owners owners(String opts) {
        return Owners.of(MountOptions.parse(List.of(opts)));
    }

    @Test
    void noOptionNoTranslation() {
        assertNull(owners("lowerdir=/a"));
    }

    @Test
    void storedIdsShowThroughTheirRangeOthersAsOverflow() {
        Owners o = owners("uidmapping=0:1000:10:100:5000:1,gidmapping=0:2000:10");
        assertEquals(1000, o.shownUid(0));
        assertEquals(1009, o.shownUid(9));
        assertEquals(5000, o.shownUid(100));
        assertEquals(65534, o.shownUid(10));
        assertEquals(65534, o.shownGid(100));
        assertEquals(3, o.storedUid(1003));
        assertEquals(100, o.storedUid(5000));
        assertEquals(65534, o.storedUid(7));
        assertEquals(-1, o.storedUid(-1), "chown's 'unchanged' stays unchanged");
        assertEquals(65534, o.shownGid(1234), "unmapped gid shows as overflow");
    }

    @Test
    void squashShowsOneOwnerAndIgnoresChown() {
        Owners root = owners("squash_to_root");
        assertTrue(root.squashed());
        assertEquals(0, root.shownUid(1234));
        assertEquals(0, root.shownGid(99));
        Owners uid = owners("squash_to_root,squash_to_uid=7,squash_to_gid=8");
        assertEquals(7, uid.shownUid(0));
        assertEquals(8, uid.shownGid(0));
    }

    @Test
    void overlayShowsMappedOwnersAndStoresThemBack() {
        TestLayers t = new TestLayers(1).file("l0", "f", "x");
        t.fs.lchown(t.lower(0) + "/f", 5, 5);
        Overlay ov = t.overlay();
        ov.setOwners(owners("uidmapping=0:1000:10,gidmapping=0:2000:10"));
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE);
        ov.getattr("/f", st);
        assertEquals(1005, st.getInt(28));
        assertEquals(2005, st.getInt(32));
        ov.chown("/f", 1003, -1);
        assertEquals(3, t.fs.lstat(t.upper() + "/f").uid);
        assertEquals(5, t.fs.lstat(t.upper() + "/f").gid);
        ov.mkdir("/d", 0755, new Caller(1002, 2002));
        assertEquals(2, t.fs.lstat(t.upper() + "/d").uid);
        assertEquals(2, t.fs.lstat(t.upper() + "/d").gid);
        ov.setOwners(owners("squash_to_root"));
        ov.chown("/f", 1009, 2009);
        assertEquals(3, t.fs.lstat(t.upper() + "/f").uid, "squashed: chown accepted, nothing stored");
        ov.getattr("/f", st);
        assertEquals(0, st.getInt(28));
        ov.close();
    }
}
