package dev.fuseoverlay.cli;

import dev.fuseoverlay.fuse.Mounter;
import dev.fuseoverlay.fuse.direct.Requests;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.ops.Caller;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import picocli.CommandLine;

/**
 * The class-data-sharing training run: the launcher runs this once per build with
 * {@code -XX:ArchiveClassesAtExit}, so that every later JVM maps the classes a mount needs from the archive
 * instead of loading and verifying them from the jar (mount-to-ready is mostly JVM start-up). It walks the
 * code a mount walks (option parsing, layer checks, the core's operations on throw-away layers in a temporary
 * directory, the FUSE adapter's callbacks, the /dev/fuse engine's requests) without mounting anything, and
 * removes its directory.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        Path base = Files.createTempDirectory("fuse-overlay-cds.");
        try {
            train(base);
        } finally {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void train(Path base) throws IOException {
        Path lower = Files.createDirectories(base.resolve("lower/dir"));
        Files.writeString(lower.resolve("file"), "data\n");
        for (String d : new String[] {"upper", "work", "mnt"}) {
            Files.createDirectories(base.resolve(d));
        }
        String o = "lowerdir=" + base.resolve("lower") + ",upperdir=" + base.resolve("upper") + ",workdir="
                + base.resolve("work");
        MountLine.parse(new String[] {"--serve", "-o", o, base.resolve("mnt").toString()});
        new CommandLine(new Main()).setUnmatchedArgumentsAllowed(true).parseArgs("-o", o, base.resolve("mnt").toString());
        MountOptions mo = MountOptions.parse(List.of(o));
        RealFs fs = new RealFs(null);
        LayerStack layers = LayerStack.open(mo, base.resolve("mnt").toString(), fs);
        Caller who = new Caller(0, 0);
        try (Overlay ov = Overlay.open(layers, fs, false, false)) {
            Pointer st = Memory.allocateDirect(Native.RUNTIME, 256);
            Pointer buf = Memory.allocateDirect(Native.RUNTIME, 4096);
            ov.readdir("/");
            ov.readdir("/dir");
            ov.getattr("/dir/file", st);
            int fd = ov.open("/dir/file", Native.O_RDONLY);
            ov.read(fd, buf, 4096, 0);
            ov.release(fd);
            fd = ov.open("/dir/file", Native.O_RDWR);
            ov.write(fd, buf, 5, 0);
            ov.release(fd);
            ov.release(ov.create("/dir/new", 0644, Native.O_RDWR, who));
            ov.mkdir("/newdir", 0755, who);
            ov.symlink("file", "/dir/link", who);
            ov.rename("/dir/new", "/newdir/moved");
            ov.listxattr("/dir/file");
            ov.unlink("/dir/file");
            ov.unlink("/dir/link");
            ov.unlink("/newdir/moved");
            ov.rmdir("/newdir");
            Mounter.loadClasses(ov);
            // the /dev/fuse engine's request path, played without a mount: what a mount's first requests
            // would otherwise load, link and spin (lambdas, method handles) while a workload waits
            Files.writeString(lower.resolve("other"), "data\n"); // ("file" is whited out by now)
            Path tree = Files.createDirectories(base.resolve("lower/tree/sub"));
            Files.writeString(tree.resolve("f"), "f\n");
            Files.writeString(tree.resolveSibling("g"), "g\n");
            Files.createLink(tree.resolveSibling("h2"), Files.writeString(tree.resolveSibling("h1"), "h\n"));
            try (Requests r = new Requests(ov, mo)) {
                r.rehearse("dir", "other", "tree");
            }
        }
    }
}
