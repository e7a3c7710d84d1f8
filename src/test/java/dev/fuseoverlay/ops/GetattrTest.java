package dev.fuseoverlay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fuseoverlay.TestLayers;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * getattr takes the stat the lookup made in the same call instead of asking again; it must never answer
 * with one taken before: by an earlier lookup on the same thread, or before the object changed.
 */
class GetattrTest {
    private final TestLayers t = new TestLayers(1).file("l0", "d/f", "x").file("u", "d/g", "y");
    private final Overlay ov = t.overlay();
    private final Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE, true);

    @AfterEach
    void close() {
        ov.close();
    }

    private long size(String path) {
        ov.getattr(path, st);
        return st.getLong(48);
    }

    @Test
    void aLookupJustMadeGivesTheSameAttributesAsAStat() throws Exception {
        ov.getattr("/d/f", st); // looked up now: the lookup's stat
        Stat real = t.fs.lstat(t.lower(0) + "/d/f");
        assertEquals(real.size, st.getLong(48));
        assertEquals(real.mode, st.getInt(Stat.OFF_MODE));
        assertEquals(real.mtimeNsec, st.getLong(96));
        assertEquals(real.ctimeSec, st.getLong(104));
        assertEquals(ov.lookup().lookup("/d/f").ino, st.getLong(Stat.OFF_INO));
    }

    @Test
    void anEarlierLookupsStatIsNeverReused() throws Exception {
        ov.lookup().lookup("/d/g"); // computed on this thread: its stat is kept
        Files.writeString(t.upper().resolve("d/g"), "grown", StandardOpenOption.APPEND); // no invalidation
        assertEquals(6, size("/d/g"), "getattr after a change must stat again");
        Files.writeString(t.upper().resolve("d/g"), "!", StandardOpenOption.APPEND);
        assertEquals(7, size("/d/g"), "a cached entry: stat again");
    }
}
