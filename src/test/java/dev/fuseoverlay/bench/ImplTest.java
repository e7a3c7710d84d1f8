package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void theUringVariantsAreTheSameLauncherAndAreSkippedWhereTheKernelDoesNotOfferIt() throws Exception {
        Impl u = Impl.all("/a/fuse-overlay", null).stream().filter(i -> i.name.equals(Impl.URING)).findFirst().orElseThrow();
        assertEquals("/a/fuse-overlay", u.binary);
        assertEquals(",uring=on", u.extraOptions);
        Impl rt = Impl.all("/a/fuse-overlay", null).stream().filter(i -> i.name.equals(Impl.URING_RT)).findFirst().orElseThrow();
        assertEquals("/a/fuse-overlay", rt.binary);
        assertEquals(",uring=rt", rt.extraOptions);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("impl-test");
        java.nio.file.Path saved = Impl.uringSwitch;
        try {
            java.nio.file.Path launcher = java.nio.file.Files.writeString(dir.resolve("fuse-overlay"), "#!/bin/sh\necho v1\n");
            launcher.toFile().setExecutable(true);
            Impl.uringSwitch = java.nio.file.Files.writeString(dir.resolve("enable_uring"), "N\n");
            Impl off = Impl.all(launcher.toString(), null).stream().filter(i -> i.name.equals(Impl.URING)).findFirst().orElseThrow();
            off.probe(dir, null);
            assertEquals("the kernel does not offer FUSE over io_uring (" + Impl.uringSwitch + " is not Y; as root: echo Y > "
                    + Impl.uringSwitch + ")", off.unavailable);
            Impl rtOff = Impl.all(launcher.toString(), null).stream().filter(i -> i.name.equals(Impl.URING_RT)).findFirst().orElseThrow();
            rtOff.probe(dir, null);
            assertEquals(off.unavailable, rtOff.unavailable);
            java.nio.file.Files.writeString(Impl.uringSwitch, "Y\n");
            Impl on = Impl.all(launcher.toString(), null).stream().filter(i -> i.name.equals(Impl.URING)).findFirst().orElseThrow();
            on.probe(dir, null);
            assertEquals(null, on.unavailable);
            assertTrue(on.version.startsWith("v1 (-o uring=on)"), on.version);
            Impl rtOn = Impl.all(launcher.toString(), null).stream().filter(i -> i.name.equals(Impl.URING_RT)).findFirst().orElseThrow();
            rtOn.probe(dir, null);
            assertEquals(null, rtOn.unavailable);
            assertTrue(rtOn.version.startsWith("v1 (-o uring=rt)"), rtOn.version);
        } finally {
            Impl.uringSwitch = saved;
            Proc.removeTree(dir);
        }
    }
}
