package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** The protocol's encoders and decoders on plain native buffers. */
class WireTest {
    private static Pointer buf(int size) {
        return Memory.allocateDirect(Native.RUNTIME, size, true);
    }

    /** A struct stat as glibc lays it out on x86_64. */
    private static Pointer stat() {
        Pointer st = buf(144);
        st.putLong(8, 1234);                 // ino
        st.putLong(16, 3);                   // nlink
        st.putInt(24, 0100644);              // mode
        st.putInt(28, 1000);                 // uid
        st.putInt(32, 100);                  // gid
        st.putLong(40, (8L << 8) | 1);       // rdev 8:1
        st.putLong(48, 5000);                // size
        st.putLong(56, 4096);                // blksize
        st.putLong(64, 16);                  // blocks
        st.putLong(72, 11);
        st.putLong(80, 12);                  // atime
        st.putLong(88, 21);
        st.putLong(96, 22);                  // mtime
        st.putLong(104, 31);
        st.putLong(112, 32);                 // ctime
        return st;
    }

    @Test
    void attrFollowsFuseAttrLayout() {
        Pointer out = buf(200);
        Wire.attr(stat(), out, 8);
        assertEquals(1234, out.getLong(8));
        assertEquals(5000, out.getLong(16));
        assertEquals(16, out.getLong(24));
        assertEquals(11, out.getLong(32));
        assertEquals(21, out.getLong(40));
        assertEquals(31, out.getLong(48));
        assertEquals(12, out.getInt(56));
        assertEquals(22, out.getInt(60));
        assertEquals(32, out.getInt(64));
        assertEquals(0100644, out.getInt(68));
        assertEquals(3, out.getInt(72));
        assertEquals(1000, out.getInt(76));
        assertEquals(100, out.getInt(80));
        assertEquals((8 << 8) | 1, out.getInt(84));
        assertEquals(4096, out.getInt(88));
    }

    @Test
    void entryOutCarriesNodeAndTimeouts() {
        Pointer out = buf(200);
        Wire.entryOut(out, 0, 77, 1.5, 0.25, stat());
        assertEquals(77, out.getLong(0));
        assertEquals(0, out.getLong(8));
        assertEquals(1, out.getLong(16));
        assertEquals(0, out.getLong(24));
        assertEquals(500_000_000, out.getInt(32));
        assertEquals(250_000_000, out.getInt(36));
        assertEquals(1234, out.getLong(40)); // attr.ino
        assertEquals(128, Wire.ENTRY_OUT);
        Wire.entryOut(out, 0, 0, 86400, 0, null); // negative entry
        assertEquals(0, out.getLong(0));
        assertEquals(86400, out.getLong(16));
        assertEquals(0, out.getLong(40));
    }

    @Test
    void deviceNumbersRoundTripThroughTheKernelsEncoding() {
        for (long[] mm : new long[][] {{0, 0}, {8, 1}, {1, 3}, {259, 65537}, {4095, 255}, {4095, (1 << 20) - 1}}) { // the kernel has 12-bit majors, 20-bit minors
            long glibc = ((mm[0] & 0xfff) << 8) | ((mm[0] & ~0xfffL) << 32) | (mm[1] & 0xff) | ((mm[1] & ~0xffL) << 12);
            int k = Wire.encodeDev(glibc);
            assertEquals(mm[0], (k & 0xfff00) >>> 8, "major of " + mm[0] + ":" + mm[1]);
            assertEquals(mm[1], (k & 0xff) | ((k >>> 12) & 0xfff00), "minor of " + mm[0] + ":" + mm[1]);
            assertEquals(glibc, Wire.decodeDev(k));
        }
    }

    @Test
    void direntsArePaddedToEightBytes() {
        Pointer out = buf(128);
        out.setMemory(0, 128, (byte) 0x55);
        int n = Wire.dirent(out, 0, 99, 3, 0040755, "abc".getBytes());
        assertEquals(32, n); // 24 + 3, rounded up
        assertEquals(99, out.getLong(0));
        assertEquals(3, out.getLong(8));
        assertEquals(3, out.getInt(16));
        assertEquals(4, out.getInt(20)); // DT_DIR
        byte[] name = new byte[3];
        out.get(24, name, 0, 3);
        assertArrayEquals("abc".getBytes(), name);
        for (int i = 27; i < 32; i++) {
            assertEquals(0, out.getByte(i));
        }
        assertEquals(24, Wire.direntSize(0));
        assertEquals(32, Wire.direntSize(8));
        assertEquals(40, Wire.direntSize(9));
    }

    @Test
    void namesAreReadAsBytesUpToTheirNul() {
        Pointer in = buf(64);
        byte[] two = "old\0n\u00e9w\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        in.put(40, two, 0, two.length);
        String first = Wire.name(in, 40, 40 + two.length);
        assertEquals("old", first);
        assertEquals("n\u00e9w", Wire.name(in, 40 + first.length() + 1, 40 + two.length));
        in.putByte(50, (byte) 'x');
        assertThrows(ErrnoException.class, () -> Wire.name(in, 50, 51)); // no NUL before the end of the request
    }

    @Test
    void statfsFromStatvfs() {
        Pointer vfs = buf(112);
        vfs.putLong(0, 4096);   // bsize
        vfs.putLong(8, 1024);   // frsize
        vfs.putLong(16, 100);   // blocks
        vfs.putLong(24, 50);    // bfree
        vfs.putLong(32, 40);    // bavail
        vfs.putLong(40, 1000);  // files
        vfs.putLong(48, 900);   // ffree
        vfs.putLong(80, 255);   // namemax
        Pointer out = buf(96);
        Wire.statfs(vfs, out, 0);
        assertEquals(100, out.getLong(0));
        assertEquals(50, out.getLong(8));
        assertEquals(40, out.getLong(16));
        assertEquals(1000, out.getLong(24));
        assertEquals(900, out.getLong(32));
        assertEquals(4096, out.getInt(40));
        assertEquals(255, out.getInt(44));
        assertEquals(1024, out.getInt(48));
    }

    @Test
    void mountDataAndFlagsFollowTheOptions() {
        MountOptions o = MountOptions.parse(List.of("lowerdir=/l,nosuid,noexec,ro"));
        assertEquals("fd=5,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other",
                DevFuse.mountData(5, o, 0, 0, true));
        assertEquals("fd=5,rootmode=40000,user_id=1000,group_id=1000,default_permissions",
                DevFuse.mountData(5, o, 1000, 1000, false));
        assertEquals(1 | 2 | 8, DevFuse.mountFlags(o)); // MS_RDONLY | MS_NOSUID | MS_NOEXEC
        assertEquals(0, DevFuse.mountFlags(MountOptions.parse(List.of("lowerdir=/l,upperdir=/u,workdir=/w"))));
    }

    @Test
    void headersAndTimeouts() {
        Pointer out = buf(16);
        Wire.outHeader(out, 0x1122334455L, -2, 0);
        assertEquals(16, out.getInt(0));
        assertEquals(-2, out.getInt(4));
        assertEquals(0x1122334455L, out.getLong(8));
        assertEquals(0, Wire.nanos(3));
        assertEquals(3, Wire.seconds(3.999));
    }

    @Test
    void invalInodeNotifyCarriesNodeAndRange() {
        Pointer out = buf(Wire.OUT_HEADER + 24);
        Wire.notifyInvalInode(out, 9, 0, 0); // attributes and every cached page
        assertEquals(Wire.OUT_HEADER + 24, out.getInt(0));
        assertEquals(2, out.getInt(4)); // FUSE_NOTIFY_INVAL_INODE in the error field, unique 0
        assertEquals(0, out.getLong(8));
        assertEquals(9, out.getLong(Wire.OUT_HEADER));
        assertEquals(0, out.getLong(Wire.OUT_HEADER + 8));
        assertEquals(0, out.getLong(Wire.OUT_HEADER + 16));
        Wire.notifyInvalInode(out, 9); // attributes only
        assertEquals(-1, out.getLong(Wire.OUT_HEADER + 8));
    }
}
