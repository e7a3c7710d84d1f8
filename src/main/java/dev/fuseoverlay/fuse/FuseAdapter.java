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
    private final PrintStream debug;
    private final Runnable onInit;

    FuseAdapter(Overlay ov, PrintStream debug, Runnable onInit) {
        this.ov = ov;
        this.debug = debug;
        this.onInit = onInit;
        // libfuse 2 flags, declared as padding by jnr-fuse: nullpath_ok (bit 0), utime_omit_ok (bit 2).
        // nullpath_ok: calls on unlinked-but-open files (hard_remove) arrive with a null path and use fh.
        // They form one unsigned int after the 38 function pointers getattr..bmap (x86_64, libfuse 2.9).
        Pointer ops = Struct.getMemory(fuseOperations);
        long off = 38L * 8;
        ops.putInt(off, ops.getInt(off) | 1 | 4);
    }

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
    public int getattr(String path, FileStat stat) {
        return call("getattr", path, () -> {
            ov.getattr(path, Struct.getMemory(stat));
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return call("fgetattr", path, () -> {
            ov.fgetattr(path, fd(fi), Struct.getMemory(stat));
            return 0;
        });
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
            fi.fh.set(ov.open(path, fi.flags.get()));
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
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return call("read", path, () -> (int) ov.read(fd(fi), buf, size, offset));
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return call("write", path, () -> (int) ov.write(fd(fi), buf, size, offset));
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
            ov.unlink(path);
            return 0;
        });
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
            ov.rename(from, to);
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return call("chmod", path, () -> {
            ov.chmod(path, (int) mode);
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return call("chown", path, () -> {
            ov.chown(path, (int) uid, (int) gid);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] ts) {
        return call("utimens", path, () -> {
            ov.utimens(path, new long[] {ts[0].tv_sec.get(), ts[0].tv_nsec.longValue(),
                    ts[1].tv_sec.get(), ts[1].tv_nsec.longValue()});
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
