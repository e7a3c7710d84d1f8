package dev.fuseoverlay.copyup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How copy-up makes data safe before the rename that shows it, per upper filesystem. */
class DurabilityTest {
    private static final long BTRFS = 0x9123683EL, TMPFS = 0x01021994L, FUSE = 0x65735546L, NFS = 0x6969L;

    @Test
    void journaledExt4AndXfsOrderTheDataBeforeTheRenameOthersFsync() {
        assertEquals(CopyUp.Durability.ORDERED, CopyUp.Durability.of(true, 0xEF53, () -> true));
        assertEquals(CopyUp.Durability.FSYNC, CopyUp.Durability.of(true, 0xEF53, () -> false), "ext4 without a journal");
        assertEquals(CopyUp.Durability.ORDERED, CopyUp.Durability.of(true, 0x58465342, () -> {
            throw new AssertionError("XFS always has a log: nothing to ask");
        }));
        for (long other : List.of(BTRFS, TMPFS, FUSE, NFS)) {
            assertEquals(CopyUp.Durability.FSYNC, CopyUp.Durability.of(true, other, () -> true), Long.toHexString(other));
        }
        for (long any : List.of(0xEF53L, BTRFS)) {
            assertEquals(CopyUp.Durability.NONE, CopyUp.Durability.of(false, any, () -> true), "fsync=0 / volatile");
        }
    }

    @Test
    void anExt4JournalThatCannotBeSeenCountsAsNone() {
        // a device number with no block device behind it (major 4095, minor 255: not allocated)
        assertFalse(CopyUp.Durability.ext4Journal(0xfffffL));
        // tmpfs and other anonymous devices (major 0) have no /sys/dev/block entry either
        assertFalse(CopyUp.Durability.ext4Journal(new TestLayers(1).fs.lstat("/dev/shm").dev));
    }

    @Test
    void theUpperFilesystemTypeIsTheOneStatReports() throws Exception {
        TestLayers t = new TestLayers(1);
        String upper = t.upper().toString();
        Process p = new ProcessBuilder("stat", "-f", "-c", "%t", upper).redirectErrorStream(true).start();
        String hex = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, p.waitFor(), hex);
        assertEquals(Long.parseLong(hex, 16), t.fs.fsType(upper));
        long type = t.fs.fsType(upper);
        boolean journal = CopyUp.Durability.ext4Journal(t.fs.lstat(upper).dev);
        CopyUp.Durability expected = type == 0x58465342 || (type == 0xEF53 && journal) ? CopyUp.Durability.ORDERED : CopyUp.Durability.FSYNC;
        assertEquals(expected, new CopyUp(t.fs, t.overlay().lookup(), new dev.fuseoverlay.whiteout.Whiteouts(t.fs, "trusted.overlay."), true)
                .durability());
        assertThrows(ErrnoException.class, () -> t.fs.fsType(upper + "/missing"));
    }

    @Test
    void writeBackWritesDirtyDataAndRefusesABadDescriptor() {
        TestLayers t = new TestLayers(1);
        RealFs fs = t.fs;
        String f = t.upper() + "/data";
        int fd = fs.create(f, Native.O_WRONLY, 0600);
        try {
            byte[] data = "x".repeat(100_000).getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(data.length, Native.C.write(fd, data, data.length));
            fs.writeBack(fd);
        } finally {
            fs.close(fd);
        }
        assertEquals(100_000, fs.lstat(f).size);
        ErrnoException e = assertThrows(ErrnoException.class, () -> fs.writeBack(-1));
        assertEquals(9, e.errno(), "EBADF");
    }
}
