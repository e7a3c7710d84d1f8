package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImplTest {
    @Test
    void aBaselineIsAThirdFuseOverlayMountedByItsOwnLauncher() {
        List<Impl> without = Impl.all("/a/fuse-overlay", null);
        assertFalse(without.stream().anyMatch(i -> i.name.equals(Impl.BASELINE)));
        List<Impl> with = Impl.all("/a/fuse-overlay", "/b/fuse-overlay");
        assertEquals(without.size() + 1, with.size());
        Impl b = with.get(with.size() - 1);
        assertEquals(Impl.BASELINE, b.name);
        assertEquals(Impl.Kind.FUSE_OVERLAY, b.kind);
        assertEquals("/b/fuse-overlay", b.binary);
        assertEquals("", b.extraOptions); // the baseline's default engine, as fuse-overlay's
        assertEquals("/a/fuse-overlay", with.stream().filter(i -> i.name.equals("fuse-overlay")).findFirst().orElseThrow().binary);
    }
}
