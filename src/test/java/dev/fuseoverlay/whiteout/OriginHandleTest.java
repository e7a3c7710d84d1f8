package dev.fuseoverlay.whiteout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.RealFs.FileHandle;
import dev.fuseoverlay.realfs.Stat;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The kernel's struct ovl_fb, byte for byte. */
class OriginHandleTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void encodesLikeTheKernelOnExt4() {
        // what kernel overlayfs 6.18 wrote here for an ext4 file (ino 2147505 = 0x20c4b1, null fs uuid)
        byte[] kernel = HEX.parseHex("00fb1d000100000000000000000000000000000000b1c4200075f93a72");
        FileHandle fh = new FileHandle(1, HEX.parseHex("b1c4200075f93a72"));
        OriginHandle h = OriginHandle.of(new byte[16], fh, false);
        assertArrayEquals(kernel, h.encode());
        assertEquals("00fb1d000100000000000000000000000000000000b1c4200075f93a72", h.indexName());
        assertEquals(h, OriginHandle.decode(kernel));
        OriginHandle up = OriginHandle.of(new byte[16], fh, true);
        assertEquals(0x04, up.encode()[3], "flags: OVL_FH_FLAG_PATH_UPPER");
        assertTrue(up.sameObject(h));
        assertTrue(!up.equals(h), "the kernel compares the whole value, flags included");
    }

    @Test
    void decodeRefusesWhatTheKernelRefuses() {
        byte[] good = OriginHandle.of(new byte[16], new FileHandle(1, new byte[8]), false).encode();
        assertNotNull(OriginHandle.decode(good));
        byte[] v = good.clone();
        v[0] = 1; // version
        assertNull(OriginHandle.decode(v));
        v = good.clone();
        v[1] = (byte) 0xfa; // magic
        assertNull(OriginHandle.decode(v));
        v = good.clone();
        v[2] = 30; // len disagrees with the value's size
        assertNull(OriginHandle.decode(v));
        v = good.clone();
        v[3] = 8; // unknown flag
        assertNull(OriginHandle.decode(v));
        v = good.clone();
        v[3] = 1; // big-endian encoder, this is a little-endian machine
        assertNull(OriginHandle.decode(v));
        v[3] = 3; // ... unless any-endian
        assertNotNull(OriginHandle.decode(v));
        assertNull(OriginHandle.decode(new byte[5]));
        assertNull(OriginHandle.decode(null));
    }

    @Test
    void handleOfARealFileIsNameToHandleAt() {
        TestLayers t = new TestLayers(1).file("l0", "f", "x");
        String f = t.lower(0) + "/f";
        FileHandle fh = t.fs.fileHandle(f);
        assertNotNull(fh, "ext4/tmpfs encode file handles");
        Stat st = t.fs.lstat(f);
        if (fh.type() == 1 && fh.bytes().length == 8) { // ext4: FILEID_INO32_GEN, inode number first
            assertEquals(st.ino, java.nio.ByteBuffer.wrap(fh.bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL);
        }
        assertEquals(16, t.fs.fsUuid(t.lower(0).toString()).length);
        int fd = t.fs.openByHandle(t.lower(0).toString(), fh);
        assertTrue(fd >= 0, "open_by_handle_at finds it again: " + dev.fuseoverlay.realfs.Native.errno());
        try {
            assertEquals(st.ino, t.fs.fstat(fd).ino);
        } finally {
            t.fs.close(fd);
        }
        assertNull(t.fs.fileHandle(t.lower(0) + "/missing"));
    }
}
