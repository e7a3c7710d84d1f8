package dev.fuseoverlay.realfs;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The glibc calls Java lacks or does lossily (NIO follows symlinks, decodes names, boxes stat fields).
 * Strings are passed in the JVM's default charset, which the launcher sets to ISO-8859-1 so that every
 * Java char is exactly one byte of the real name: names are bytes, never decoded.
 */
@SaveError
public interface LibC {
    int fstatat(int dirfd, String path, Pointer buf, int flags);
    int fstat(int fd, Pointer buf);
    int open(String path, int flags, int mode);
    int close(int fd);
    @ssize_t long pread(int fd, Pointer buf, @size_t long count, long offset);
    @ssize_t long pwrite(int fd, Pointer buf, @size_t long count, long offset);
    @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);
    @ssize_t long write(int fd, @In byte[] buf, @size_t long count);
    /** read and write on native memory: the /dev/fuse engine's requests and replies. */
    @ssize_t long read(int fd, Pointer buf, @size_t long count);
    @ssize_t long write(int fd, Pointer buf, @size_t long count);
    int mount(String source, String target, String fstype, long flags, String data);
    int umount2(String target, int flags);
    @ssize_t long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, @size_t long len, int flags);
    long lseek(int fd, long offset, int whence);
    int ftruncate(int fd, long length);
    int truncate(String path, long length);
    int fsync(int fd);
    int fdatasync(int fd);
    int sync_file_range(int fd, long offset, long nbytes, int flags);
    int statfs(String path, Pointer buf);
    int fallocate(int fd, int mode, long offset, long len);
    int mkdir(String path, int mode);
    int rmdir(String path);
    int unlink(String path);
    int mknod(String path, int mode, long dev);
    int symlink(String target, String linkpath);
    int link(String oldpath, String newpath);
    @ssize_t long readlink(String path, Pointer buf, @size_t long size);
    @ssize_t long readlink(String path, @Out byte[] buf, @size_t long size);
    int rename(String oldpath, String newpath);
    int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);
    int chmod(String path, int mode);
    int fchmod(int fd, int mode);
    int lchown(String path, int uid, int gid);
    int fchown(int fd, int uid, int gid);
    int utimensat(int dirfd, String path, @In long[] times, int flags);
    int utimensat(int dirfd, String path, Pointer times, int flags);
    int futimens(int fd, @In long[] times);
    @ssize_t long lgetxattr(String path, String name, Pointer value, @size_t long size);
    @ssize_t long lgetxattr(String path, String name, @Out byte[] value, @size_t long size);
    int lsetxattr(String path, String name, Pointer value, @size_t long size, int flags);
    int lsetxattr(String path, String name, @In byte[] value, @size_t long size, int flags);
    @ssize_t long llistxattr(String path, @Out byte[] list, @size_t long size);
    @ssize_t long getxattr(String path, String name, Pointer value, @size_t long size);
    @ssize_t long getxattr(String path, String name, @Out byte[] value, @size_t long size);
    int setxattr(String path, String name, Pointer value, @size_t long size, int flags);
    int setxattr(String path, String name, @In byte[] value, @size_t long size, int flags);
    @ssize_t long listxattr(String path, @Out byte[] list, @size_t long size);
    int removexattr(String path, String name);
    int lremovexattr(String path, String name);
    @ssize_t long fgetxattr(int fd, String name, @Out byte[] value, @size_t long size);
    int fsetxattr(int fd, String name, @In byte[] value, @size_t long size, int flags);
    int statvfs(String path, Pointer buf);
    Pointer opendir(String path);
    Pointer readdir(Pointer dir);
    int closedir(Pointer dir);
    int umask(int mask);
    int getuid();
    int geteuid();
    int getegid();
    int dup2(int oldfd, int newfd);
    int access(String path, int mode);
    int openat(int dirfd, String path, int flags, int mode);
    int mkdirat(int dirfd, String path, int mode);
    int unlinkat(int dirfd, String path, int flags);
    int mknodat(int dirfd, String path, int mode, long dev);
    int symlinkat(String target, int dirfd, String linkpath);
    int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);
    @ssize_t long readlinkat(int dirfd, String path, @Out byte[] buf, @size_t long size);
    int fchmodat(int dirfd, String path, int mode, int flags);
    int fchownat(int dirfd, String path, int uid, int gid, int flags);
    Pointer fdopendir(int fd);
    int flock(int fd, int operation);
    /** For openat2(2) (number 437 on x86_64), which glibc 2.36 does not wrap. */
    long syscall(long number, int dirfd, String path, Pointer how, long size);
    String strerror(int errnum);
    String realpath(String path, Pointer resolved);
    /** struct file_handle {u32 handle_bytes; int handle_type; u8 f_handle[]}; mountId is an int out. */
    int name_to_handle_at(int dirfd, String path, Pointer handle, @Out int[] mountId, int flags);
    int open_by_handle_at(int mountFd, Pointer handle, int flags);
    int ioctl(int fd, long request, Pointer arg);
}
