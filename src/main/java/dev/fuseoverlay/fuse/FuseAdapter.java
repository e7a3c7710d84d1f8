package dev.fuseoverlay.fuse;

import dev.fuseoverlay.ops.Caller;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.readdir.DirItem;
import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.realfs.Stat;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse shell around {@link Overlay}: each callback is one call through {@link #call}, the single
 * place where exceptions become {@code -errno}. Open files carry the real descriptor in {@code fh}.
 * Callbacks not overridden here (lock, flock, bmap, ioctl, poll) stay unregistered, so the kernel
 * handles locks locally.
 */
final class FuseAdapter extends FuseStubFS {
    private static final byte[] DOT = {'.', 0}, DOTDOT = {'.', '.', 0};
    private static final ThreadLocal<Pointer> DIRENT_STAT =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Native.RUNTIME, Stat.SIZE, true));

    private final Overlay ov;
    /**
     * Files unlinked while open. libfuse 2 keeps them reachable by renaming them to {@code .fuse_hiddenN}
     * names; those names exist only here, never in a layer (the rename is an unlink in the overlay).
     */
    private final Map<String, Overlay.Detached> hidden = new ConcurrentHashMap<>();
    private final PrintStream debug;
    private final Runnable onInit;

    FuseAdapter(Overlay ov, PrintStream debug, Runnable onInit) {
        this.ov = ov;
        this.debug = debug;
        this.onInit = onInit;
        // libfuse 2 flags, declared as padding by jnr-fuse: nullpath_ok (bit 0), utime_omit_ok (bit 2).
        // nullpath_ok: a call on an open file may arrive without a path; it then works on fh alone.
        // They form one unsigned int after the 38 function pointers getattr..bmap (x86_64, libfuse 2.9).
        Pointer ops = Struct.getMemory(fuseOperations);
        long flags = 38L * 8;
        ops.putInt(flags, ops.getInt(flags) | 1 | 4);
        // The hot callbacks bypass jnr-fuse's per-call FileStat/FuseFileInfo wrappers: the stat buffer and
        // the file handle (fh, offset 24 of struct fuse_file_info) are used as raw native memory.
        fuseOperations.getattr.set((path, st) -> call("getattr", path, () -> {
            Overlay.Detached d = hiddenFile(path);
            if (d != null) {
                ov.getattrDetached(d, st);
                if (d.upper()) {
                    // libfuse takes one link off a hidden file (it expects the hiding rename to hold one);
                    // ours was unlinked: the count given is the real one plus that link
                    st.putLong(dev.fuseoverlay.realfs.Stat.OFF_NLINK, st.getLong(dev.fuseoverlay.realfs.Stat.OFF_NLINK) + 1);
                }
            } else if (isHiddenName(path)) {
                return -Errno.ENOENT; // libfuse probing for a free hidden name
            } else {
                ov.getattr(path, st);
            }
            return 0;
        }));
        fuseOperations.fgetattr.set((path, st, fi) -> call("fgetattr", path, () -> {
            ov.fgetattr(path, (int) fi.getLong(FH), st);
            return 0;
        }));
        fuseOperations.read.set((path, buf, size, off, fi) ->
                call("read", path, () -> (int) ov.read((int) fi.getLong(FH), buf, size, off)));
        fuseOperations.write.set((path, buf, size, off, fi) ->
                call("write", path, () -> (int) ov.write((int) fi.getLong(FH), buf, size, off)));
    }

    /** The file libfuse hid under {@code path} (unlinked while open), or null. */
    private Overlay.Detached hiddenFile(String path) {
        return hidden.isEmpty() ? null : hidden.get(path);
    }

    /** Offset of {@code fh} in libfuse 2's {@code struct fuse_file_info} on x86_64. */
    private static final int FH = 24;

    @FunctionalInterface
    private interface Op {
        int run();
    }

    /** The exception-to-errno barrier: every callback goes through here and nothing escapes into native code. */
    private int call(String op, String path, Op body) {
        try {
            int rc = body.run();
            if (debug != null) {
                debug.println(op + " " + printable(path) + " = " + rc);
            }
            return rc;
        } catch (ErrnoException e) {
            if (debug != null) {
                debug.println(op + " " + printable(path) + " = -" + e.errno() + " (" + e.getMessage() + ")");
            }
            return -e.errno();
        } catch (Throwable t) {
            System.err.println("fuse-overlay: internal error in " + op + " " + printable(path) + ": " + t);
            if (debug != null) {
                t.printStackTrace(debug);
            }
            return -Errno.EIO;
        }
    }

    private static String printable(String path) {
        return path == null ? "(unlinked)" : RealFs.printable(path);
    }

    private Caller caller() {
        FuseContext c = getContext();
        return new Caller(c.uid.intValue(), c.gid.intValue());
    }

    private static int fd(FuseFileInfo fi) {
        return (int) fi.fh.get();
    }

    @Override
    public Pointer init(Pointer conn) {
        onInit.run();
        return null;
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return call("readlink", path, () -> {
            byte[] t = ov.readlink(path).getBytes(StandardCharsets.ISO_8859_1);
            int n = (int) Math.min(t.length, size - 1);
            buf.put(0, t, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return call("readdir", path, () -> {
            List<DirItem> items = ov.readdir(path);
            Pointer st = DIRENT_STAT.get();
            st.putInt(Stat.OFF_MODE, Stat.S_IFDIR);
            st.putLong(Stat.OFF_INO, 0);
            filler.apply(buf, ByteBuffer.wrap(DOT), null, 0);
            filler.apply(buf, ByteBuffer.wrap(DOTDOT), null, 0);
            for (DirItem item : items) {
                byte[] name = item.name().getBytes(StandardCharsets.ISO_8859_1);
                byte[] z = new byte[name.length + 1];
                System.arraycopy(name, 0, z, 0, name.length);
                st.putInt(Stat.OFF_MODE, item.type());
                st.putLong(Stat.OFF_INO, item.ino());
                if (filler.apply(buf, ByteBuffer.wrap(z), st, 0) != 0) {
                    break;
                }
            }
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return call("open", path, () -> {
            Overlay.Detached d = hiddenFile(path);
            fi.fh.set(d != null ? ov.reopenDetached(d, fi.flags.get()) : ov.open(path, fi.flags.get()));
            return 0;
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return call("create", path, () -> {
            fi.fh.set(ov.create(path, (int) mode, fi.flags.get(), caller()));
            return 0;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0; // nothing is buffered here: data went to the real file on write
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return call("release", path, () -> {
            ov.release(fd(fi));
            return 0;
        });
    }

    @Override
    public int fsync(String path, int datasync, FuseFileInfo fi) {
        return call("fsync", path, () -> {
            ov.fsync(fd(fi), datasync != 0);
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int truncate(String path, long size) {
        return call("truncate", path, () -> {
            ov.truncate(path, size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return call("ftruncate", path, () -> {
            ov.ftruncate(fd(fi), size);
            return 0;
        });
    }

    @Override
    public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
        return call("fallocate", path, () -> {
            ov.fallocate(fd(fi), mode, off, length);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return call("mkdir", path, () -> {
            ov.mkdir(path, (int) mode, caller());
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return call("mknod", path, () -> {
            ov.mknod(path, (int) mode, rdev, caller());
            return 0;
        });
    }

    @Override
    public int symlink(String target, String path) {
        return call("symlink", path, () -> {
            ov.symlink(target, path, caller());
            return 0;
        });
    }

    @Override
    public int link(String from, String to) {
        return call("link", to, () -> {
            ov.link(from, to);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return call("unlink", path, () -> {
            Overlay.Detached d = hidden.remove(path);
            if (d != null) {
                ov.release(d.fd()); // the last user of an unlinked file is gone
            } else {
                ov.unlink(path);
            }
            return 0;
        });
    }

    /** libfuse's hidden names: ".fuse_hidden" and 16 hex digits (node id and a counter). */
    private static boolean isHiddenName(String path) {
        int i = path.lastIndexOf('/') + 1;
        return path.length() - i == 28 && path.startsWith(".fuse_hidden", i)
                && path.substring(i + 12).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    @Override
    public int rmdir(String path) {
        return call("rmdir", path, () -> {
            ov.rmdir(path);
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return call("rename", from, () -> {
            if (isHiddenName(to) && !isHiddenName(from)) {
                hidden.put(to, ov.detach(from)); // libfuse hiding an open file it was asked to unlink
            } else {
                ov.rename(from, to);
            }
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return call("chmod", path, () -> {
            Overlay.Detached d = hiddenFile(path);
            if (d != null) {
                ov.chmodDetached(d, (int) mode); // fchmod(2) of a file unlinked while open
            } else {
                ov.chmod(path, (int) mode);
            }
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return call("chown", path, () -> {
            Overlay.Detached d = hiddenFile(path);
            if (d != null) {
                ov.chownDetached(d, (int) uid, (int) gid);
            } else {
                ov.chown(path, (int) uid, (int) gid);
            }
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] ts) {
        return call("utimens", path, () -> {
            long[] times = {ts[0].tv_sec.get(), ts[0].tv_nsec.longValue(), ts[1].tv_sec.get(), ts[1].tv_nsec.longValue()};
            Overlay.Detached d = hiddenFile(path);
            if (d != null) {
                ov.utimensDetached(d, times);
            } else {
                ov.utimens(path, times);
            }
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return call("access", path, () -> {
            ov.access(path, mask);
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return call("statfs", path, () -> -ov.statfs(Struct.getMemory(stbuf)));
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return call("getxattr", path, () -> (int) ov.getxattr(path, name, value, size));
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return call("listxattr", path, () -> {
            StringBuilder sb = new StringBuilder();
            for (String n : ov.listxattr(path)) {
                sb.append(n).append('\0');
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            if (size == 0) {
                return b.length;
            }
            if (size < b.length) {
                return -Errno.ERANGE;
            }
            list.put(0, b, 0, b.length);
            return b.length;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return call("setxattr", path, () -> {
            ov.setxattr(path, name, value, size, flags);
            return 0;
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return call("removexattr", path, () -> {
            ov.removexattr(path, name);
            return 0;
        });
    }
}
