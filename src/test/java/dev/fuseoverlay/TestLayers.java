package dev.fuseoverlay;

import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.ops.Caller;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Real layer directories for unit tests (no mount): lower layers {@code l0} (top) .. {@code lN}, an upper
 * {@code u} and a work dir {@code w}, under target/unit-tmp. Fixture helpers write straight into a layer;
 * {@link #overlay()} opens the overlay over them the way a mount does.
 */
public final class TestLayers {
    public final Path root;
    private final int lowers;
    private final boolean withUpper;
    public final RealFs fs = new RealFs(null);

    public TestLayers(int lowers) {
        this(lowers, true);
    }

    public TestLayers(int lowers, boolean withUpper) {
        this.lowers = lowers;
        this.withUpper = withUpper;
        this.root = Paths.get("target", "unit-tmp", UUID.randomUUID().toString()).toAbsolutePath();
        try {
            for (int i = 0; i < lowers; i++) {
                Files.createDirectories(lower(i));
            }
            Files.createDirectories(upper());
            Files.createDirectories(work());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path lower(int i) {
        return root.resolve("l" + i);
    }

    public Path upper() {
        return root.resolve("u");
    }

    public Path work() {
        return root.resolve("w");
    }

    /** Layer by name: "u" or "l0", "l1", ... */
    public Path layer(String name) {
        return root.resolve(name);
    }

    public Overlay overlay() {
        MountOptions o = options();
        o.checkSupported();
        return Overlay.open(LayerStack.open(o, null, fs), fs, false, false);
    }

    public MountOptions options() {
        StringBuilder sb = new StringBuilder("lowerdir=");
        for (int i = 0; i < lowers; i++) {
            sb.append(i > 0 ? ":" : "").append(lower(i));
        }
        if (withUpper) {
            sb.append(",upperdir=").append(upper()).append(",workdir=").append(work());
        }
        return MountOptions.parse(List.of(sb.toString()));
    }

    // ---- fixtures -------------------------------------------------------------------------------------

    public TestLayers file(String layer, String path, String content) {
        Path p = layer(layer).resolve(path);
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public TestLayers dir(String layer, String path) {
        try {
            Files.createDirectories(layer(layer).resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public TestLayers symlink(String layer, String path, String target) {
        try {
            Path p = layer(layer).resolve(path);
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Paths.get(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A kernel whiteout (0/0 char device) in a layer. */
    public TestLayers whiteout(String layer, String path) {
        dir(layer, parent(path));
        fs.mknod(layer(layer).resolve(path).toString(), Stat.S_IFCHR, 0);
        return this;
    }

    public TestLayers opaqueXattr(String layer, String path, String xattr) {
        dir(layer, path);
        fs.setxattr(layer(layer).resolve(path).toString(), xattr, new byte[] {'y'}, 0);
        return this;
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? "" : path.substring(0, i);
    }

    // ---- reading the merged view through the overlay --------------------------------------------------

    public static String read(Overlay ov, String path) {
        int fd = ov.open(path, Native.O_RDONLY);
        try {
            Pointer buf = Memory.allocateDirect(Native.RUNTIME, 1 << 16);
            long n = ov.read(fd, buf, 1 << 16, 0);
            byte[] b = new byte[(int) n];
            buf.get(0, b, 0, b.length);
            return new String(b, StandardCharsets.ISO_8859_1);
        } finally {
            ov.release(fd);
        }
    }

    public static void append(Overlay ov, String path, String text) {
        int fd = ov.open(path, Native.O_WRONLY | Native.O_APPEND);
        try {
            write(ov, fd, text, 0);
        } finally {
            ov.release(fd);
        }
    }

    public static void write(Overlay ov, int fd, String text, long off) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        Pointer buf = Memory.allocateDirect(Native.RUNTIME, Math.max(1, b.length));
        buf.put(0, b, 0, b.length);
        ov.write(fd, buf, b.length, off);
    }

    public static void createFile(Overlay ov, String path, String text) {
        int fd = ov.create(path, 0644, Native.O_WRONLY, Caller.ROOT);
        try {
            write(ov, fd, text, 0);
        } finally {
            ov.release(fd);
        }
    }

    /** The merged listing of a directory, sorted. */
    public static List<String> ls(Overlay ov, String path) {
        List<String> names = new ArrayList<>();
        ov.readdir(path).forEach(i -> names.add(i.name()));
        names.sort(null);
        return names;
    }

    /** A layer's real tree: relative path to a short description (type, and content or device numbers). */
    public TreeMap<String, String> real(String layer) {
        TreeMap<String, String> out = new TreeMap<>();
        Path base = layer(layer);
        try (var walk = Files.walk(base)) {
            walk.filter(p -> !p.equals(base)).forEach(p -> {
                Stat st = fs.lstat(p.toString());
                String d = String.valueOf(Stat.typeChar(st.mode));
                if (st.isReg()) {
                    try {
                        d += ":" + Files.readString(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else if (st.type() == Stat.S_IFCHR) {
                    d += ":" + Stat.major(st.rdev) + "/" + Stat.minor(st.rdev);
                }
                out.put(base.relativize(p).toString(), d);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
