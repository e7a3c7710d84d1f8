package dev.fuseoverlay.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    private static MountOptions parse(String... s) {
        return MountOptions.parse(List.of(s));
    }

    @Test
    void lowerdirsLeftmostFirstWithEscapedColons() {
        MountOptions o = parse("lowerdir=/a:/b\\:c:/d,upperdir=/u,workdir=/w");
        assertEquals(List.of("/a", "/b:c", "/d"), o.lowerDirs);
        assertEquals("/u", o.upperDir);
        assertEquals("/w", o.workDir);
        assertFalse(o.isReadOnly());
    }

    @Test
    void backslashEscapesAsTheKernelReadsThem() {
        MountOptions o = parse("lowerdir=/x\\\\y:/a\\\\:/b,upperdir=/d/a\\:b/up,workdir=/d/a\\:b/w\\,k,fsname=n\\,m");
        assertEquals(List.of("/x\\y", "/a\\", "/b"), o.lowerDirs, "\\\\ is one backslash; a path may end in one");
        assertEquals("/d/a:b/up", o.upperDir);
        assertEquals("/d/a:b/w,k", o.workDir);
        assertEquals("n,m", o.fsname);
    }

    @Test
    void escapedCommaAndEmptyElements() {
        MountOptions o = parse("lowerdir=/a\\,b,,upperdir=/u,workdir=/w,,volatile");
        assertEquals(List.of("/a,b"), o.lowerDirs);
        assertTrue(o.volatileMount);
        assertFalse(o.fsync);
        assertTrue(o.warnings.isEmpty());
    }

    @Test
    void severalDashOAndLaterWins() {
        MountOptions o = parse("lowerdir=/a", "lowerdir=/b:/c", "ro");
        assertEquals(List.of("/b", "/c"), o.lowerDirs);
        assertTrue(o.isReadOnly());
    }

    @Test
    void noUpperIsReadOnly() {
        MountOptions o = parse("lowerdir=/a:/b");
        assertTrue(o.isReadOnly());
        o.checkSupported();
    }

    @Test
    void genericMountOptionsAccepted() {
        MountOptions o = parse("rw,dev,suid,nodev,nosuid,allow_other,default_permissions,fsname=foo,noatime,x-systemd.automount");
        assertTrue(o.noDev);
        assertTrue(o.noSuid);
        assertTrue(o.allowOther);
        assertEquals("foo", o.fsname);
        assertTrue(o.warnings.isEmpty(), o.warnings.toString());
        // accepted and without effect: none of them turns auto_unmount back on
        for (String g : new String[] {"relatime", "noatime", "strictatime", "atime", "nodiratime", "async", "sync", "defaults", "auto"}) {
            assertFalse(parse("noauto_unmount," + g).autoUnmount, g);
            assertTrue(parse("noauto_unmount," + g + ",auto_unmount").autoUnmount, g);
        }
    }

    @Test
    void unknownOptionsWarnLikeFuseOverlayfs() {
        MountOptions o = parse("lowerdir=/a,frobnicate=3,lazytime2");
        assertEquals(List.of("unknown argument ignored: frobnicate=3", "unknown argument ignored: lazytime2"), o.warnings);
    }

    @Test
    void fsyncAndTimeout() {
        assertFalse(parse("fsync=0").fsync);
        assertTrue(parse("fsync=1").fsync);
        assertFalse(parse("fsync=00").fsync, "fuse-overlayfs reads a number");
        assertEquals("fsync=off: not an integer", assertThrows(OptionsException.class, () -> parse("fsync=off")).getMessage());
        assertFalse(parse("volatile,fsync=1").fsync, "volatile wins, whatever the order");
        assertFalse(parse("fsync=1,volatile").fsync);
        assertTrue(parse("debug").debug);
        assertTrue(parse("debug=1").debug);
        assertFalse(parse("debug=0").debug, "debug=0 turns debug off");
        assertFalse(parse("debug,debug=0").debug, "the last one counts");
        assertEquals("debug=yes: not an integer", assertThrows(OptionsException.class, () -> parse("debug=yes")).getMessage());
        assertEquals(2.5, parse("timeout=2.5").timeout);
        assertEquals("timeout=x: not a number of seconds",
                assertThrows(OptionsException.class, () -> parse("timeout=x")).getMessage());
        assertThrows(OptionsException.class, () -> parse("timeout=-1"));
        assertEquals(0.0, parse("timeout=5").attrTimeout, "attributes are not cached unless asked");
        assertEquals(3.0, parse("attr_timeout=3").attrTimeout);
    }

    @Test
    void valuesRequired() {
        assertEquals("option upperdir needs a value (upperdir=...)",
                assertThrows(OptionsException.class, () -> parse("upperdir=")).getMessage());
        assertThrows(OptionsException.class, () -> parse("lowerdir=/a::/b"));
    }

    @Test
    void kernelOptionsParsedWithTheirValues() {
        MountOptions o = parse("lowerdir=/a,redirect_dir=nofollow,xino=auto,index=off,metacopy=off,userxattr");
        assertEquals("nofollow", o.redirectDir);
        assertEquals("auto", o.xino);
        assertTrue(o.userXattr);
        o.checkSupported();
        assertThrows(OptionsException.class, () -> parse("redirect_dir=sideways"));
        parse("lowerdir=/a,redirect_dir=on").checkSupported();
        assertEquals("follow", parse("redirect_dir=follow").redirectDir);
        parse("lowerdir=/a,index=on").checkSupported();
    }

    @Test
    void metacopyFollowsTheKernelsDependencyRules() {
        MountOptions o = parse("lowerdir=/a,metacopy=on");
        o.checkSupported();
        assertEquals("on", o.redirectDir, "metacopy=on turns redirect_dir=on on");
        parse("lowerdir=/a,redirect_dir=on,metacopy=on").checkSupported();
        OptionsException e = assertThrows(OptionsException.class, () -> parse("lowerdir=/a,metacopy=on,redirect_dir=off").checkSupported());
        assertEquals("conflicting options: metacopy=on,redirect_dir=follow", e.getMessage(), "the kernel's words");
        e = assertThrows(OptionsException.class, () -> parse("lowerdir=/a,redirect_dir=nofollow,metacopy=on").checkSupported());
        assertEquals("conflicting options: metacopy=on,redirect_dir=nofollow", e.getMessage());
        e = assertThrows(OptionsException.class, () -> parse("lowerdir=/a,userxattr,metacopy=on").checkSupported());
        assertEquals("conflicting options: userxattr,metacopy=on", e.getMessage());
        // the kernel: userxattr does not follow redirects unless asked, and asking is a conflict
        for (String r : new String[] {"on", "follow", "off"}) {
            e = assertThrows(OptionsException.class, () -> parse("lowerdir=/a,userxattr,redirect_dir=" + r).checkSupported());
            assertEquals("conflicting options: userxattr,redirect_dir=" + r, e.getMessage());
        }
        MountOptions ux = parse("lowerdir=/a,userxattr");
        ux.checkSupported();
        assertEquals("nofollow", ux.redirectDir);
        parse("lowerdir=/a,userxattr,redirect_dir=nofollow").checkSupported();
        parse("lowerdir=/a,redirect_dir=off,metacopy=off").checkSupported();
    }

    @Test
    void fuseOverlayfsOptionsWithItsSyntax() {
        MountOptions o = parse("lowerdir=/a,noxattrs=1,static_nlink,noacl,xattr_permissions=0");
        assertTrue(o.noXattrs);
        assertTrue(o.staticNlink);
        assertTrue(o.noAcl);
        assertEquals(0, o.xattrPermissions);
        assertTrue(o.warnings.isEmpty(), o.warnings.toString());
        o.checkSupported();
        assertFalse(parse("noxattrs=0").noXattrs);
        assertTrue(parse("noxattrs=2").noXattrs, "fuse-overlayfs: any non-zero number");
        // fuse-overlayfs knows noxattrs only with a number and the others only bare: the rest is unknown
        MountOptions odd = parse("noxattrs,static_nlink=1,noacl=1");
        assertFalse(odd.noXattrs || odd.staticNlink || odd.noAcl);
        assertEquals(List.of("unknown argument ignored: noxattrs", "unknown argument ignored: static_nlink=1",
                "unknown argument ignored: noacl=1"), odd.warnings);
    }

    @Test
    void badValuesOfFuseOverlayfsOptionsAreOneLineErrors() {
        assertEquals("noxattrs=abc: not an integer", assertThrows(OptionsException.class, () -> parse("noxattrs=abc")).getMessage());
        assertEquals("xattr_permissions=3: expected 0, 1 or 2",
                assertThrows(OptionsException.class, () -> parse("xattr_permissions=3")).getMessage());
        assertEquals("xattr_permissions=x: not an integer",
                assertThrows(OptionsException.class, () -> parse("xattr_permissions=x")).getMessage());
        assertEquals("xino=maybe: expected one of on, auto, off",
                assertThrows(OptionsException.class, () -> parse("xino=maybe")).getMessage());
    }

    @Test
    void idMappingsParsed() {
        MountOptions o = parse("uidmapping=0:1000:1:1:100000:65536");
        assertEquals(2, o.uidMapping.ranges().size());
        assertEquals(new IdMapping.Range(1, 100000, 65536), o.uidMapping.ranges().get(1));
        assertNull(o.gidMapping);
        assertThrows(OptionsException.class, () -> parse("gidmapping=0:1"));
        assertThrows(OptionsException.class, () -> parse("gidmapping=a:b:c"));
        // containers-storage (podman 4.3) starts the value with a colon; fuse-overlayfs skips empty elements
        o = parse("uidmapping=:0:100000:65536,gidmapping=:0:100000:65536");
        assertEquals(List.of(new IdMapping.Range(0, 100000, 65536)), o.uidMapping.ranges());
        assertEquals(List.of(new IdMapping.Range(0, 100000, 65536)), o.gidMapping.ranges());
    }

    @Test
    void checkSupportedNeedsLowerAndUpperWithWork() {
        assertEquals("no lowerdir= given (usage: -o lowerdir=LOWER[:LOWER...],upperdir=UPPER,workdir=WORK MOUNTPOINT)",
                assertThrows(OptionsException.class, () -> parse("upperdir=/u,workdir=/w").checkSupported()).getMessage());
        assertEquals("upperdir= given without workdir=",
                assertThrows(OptionsException.class, () -> parse("lowerdir=/a,upperdir=/u").checkSupported()).getMessage());
    }

    @Test
    void engineAndThreads() {
        MountOptions o = parse("lowerdir=/a");
        assertNull(o.engine); // not given: the environment decides, else auto
        assertFalse(o.timeoutGiven || o.attrTimeoutGiven);
        o = parse("lowerdir=/a,engine=devfuse,threads=8,timeout=2,attr_timeout=0.5");
        assertEquals("devfuse", o.engine);
        assertEquals(8, o.threads);
        assertEquals("load", o.readers);
        assertEquals("all", parse("readers=all").readers);
        assertEquals("readers=some: expected one of load, all",
                assertThrows(OptionsException.class, () -> parse("readers=some")).getMessage());
        assertFalse(o.uring, "FUSE over io_uring is asked for, not assumed");
        assertTrue(parse("uring=on").uring);
        assertFalse(parse("uring=on,uring=off").uring);
        assertFalse(parse("uring=on").uringRt, "real-time queue threads are asked for, not assumed");
        MountOptions rt = parse("uring=rt");
        assertTrue(rt.uring && rt.uringRt);
        assertFalse(parse("uring=rt,uring=off").uring);
        assertFalse(parse("uring=rt,uring=on").uringRt);
        assertThrows(OptionsException.class, () -> parse("uring=yes"));
        assertTrue(o.timeoutGiven && o.attrTimeoutGiven);
        assertEquals("libfuse", parse("engine=devfuse,engine=libfuse").engine);
        assertEquals("auto", parse("engine=auto").engine);
        assertEquals("engine=kfuse: expected one of auto, devfuse, libfuse",
                assertThrows(OptionsException.class, () -> parse("engine=kfuse")).getMessage());
        assertEquals(List.of("threads=8"), o.devfuseOnly);
        assertEquals(List.of("readers=all", "passthrough=off", "uring=rt"),
                parse("lowerdir=/a,readers=all,fsync=0,passthrough=off,uring=rt,engine=libfuse").devfuseOnly);
        assertEquals(List.of(), parse("lowerdir=/a,engine=libfuse,timeout=3").devfuseOnly);
        for (String bad : new String[] {"threads=0", "threads=65", "threads=x", "threads=-1"}) {
            assertThrows(OptionsException.class, () -> parse(bad), bad);
        }
    }
}
