package dev.fuseoverlay.realfs;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.NulTerminate;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The glibc calls Java lacks or does lossily (NIO follows symlinks, decodes names, boxes stat fields).
 * Names go in as bytes ({@link Native#cstr}: a Java char of a name is exactly one byte of the real name,
 * ISO-8859-1, so names are bytes, never decoded), NUL-terminated by jnr-ffi.
 */
@SaveError
public interface LibC {
    int fstatat(int dirfd, @In @NulTerminate byte[] path, Pointer buf, int flags);
    int fstat(int fd, Pointer buf);
    int open(@In @NulTerminate byte[] path, int flags, int mode);
    int close(int fd);
    @ssize_t long pread(int fd, Pointer buf, @size_t long count, long offset);
    @ssize_t long pwrite(int fd, Pointer buf, @size_t long count, long offset);
    @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);
    @ssize_t long write(int fd, @In byte[] buf, @size_t long count);
    /** read and write on native memory: the /dev/fuse engine's requests and replies. */
    @ssize_t long read(int fd, Pointer buf, @size_t long count);
    @ssize_t long write(int fd, Pointer buf, @size_t long count);
    int mount(@In @NulTerminate byte[] source, @In @NulTerminate byte[] target, @In @NulTerminate byte[] fstype, long flags, @In @NulTerminate byte[] data);
    int umount2(@In @NulTerminate byte[] target, int flags);
    @ssize_t long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, @size_t long len, int flags);
    long lseek(int fd, long offset, int whence);
    int ftruncate(int fd, long length);
    int truncate(@In @NulTerminate byte[] path, long length);
    int fsync(int fd);
    int fdatasync(int fd);
    int sync_file_range(int fd, long offset, long nbytes, int flags);
    int statfs(@In @NulTerminate byte[] path, Pointer buf);
    int fallocate(int fd, int mode, long offset, long len);
    int mkdir(@In @NulTerminate byte[] path, int mode);
    int rmdir(@In @NulTerminate byte[] path);
    int unlink(@In @NulTerminate byte[] path);
    int mknod(@In @NulTerminate byte[] path, int mode, long dev);
    int symlink(@In @NulTerminate byte[] target, @In @NulTerminate byte[] linkpath);
    int link(@In @NulTerminate byte[] oldpath, @In @NulTerminate byte[] newpath);
    @ssize_t long readlink(@In @NulTerminate byte[] path, Pointer buf, @size_t long size);
    @ssize_t long readlink(@In @NulTerminate byte[] path, @Out byte[] buf, @size_t long size);
    int rename(@In @NulTerminate byte[] oldpath, @In @NulTerminate byte[] newpath);
    int renameat2(int olddirfd, @In @NulTerminate byte[] oldpath, int newdirfd, @In @NulTerminate byte[] newpath, int flags);
    int chmod(@In @NulTerminate byte[] path, int mode);
    int fchmod(int fd, int mode);
    int lchown(@In @NulTerminate byte[] path, int uid, int gid);
    int fchown(int fd, int uid, int gid);
    int utimensat(int dirfd, @In @NulTerminate byte[] path, @In long[] times, int flags);
    int utimensat(int dirfd, @In @NulTerminate byte[] path, Pointer times, int flags);
    int futimens(int fd, @In long[] times);
    @ssize_t long lgetxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, Pointer value, @size_t long size);
    @ssize_t long lgetxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, @Out byte[] value, @size_t long size);
    int lsetxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, Pointer value, @size_t long size, int flags);
    int lsetxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, @In byte[] value, @size_t long size, int flags);
    @ssize_t long llistxattr(@In @NulTerminate byte[] path, @Out byte[] list, @size_t long size);
    @ssize_t long getxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, Pointer value, @size_t long size);
    @ssize_t long getxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, @Out byte[] value, @size_t long size);
    int setxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, Pointer value, @size_t long size, int flags);
    int setxattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name, @In byte[] value, @size_t long size, int flags);
    @ssize_t long listxattr(@In @NulTerminate byte[] path, @Out byte[] list, @size_t long size);
    int removexattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name);
    int lremovexattr(@In @NulTerminate byte[] path, @In @NulTerminate byte[] name);
    @ssize_t long fgetxattr(int fd, @In @NulTerminate byte[] name, @Out byte[] value, @size_t long size);
    int fsetxattr(int fd, @In @NulTerminate byte[] name, @In byte[] value, @size_t long size, int flags);
    int statvfs(@In @NulTerminate byte[] path, Pointer buf);
    @ssize_t long getdents64(int fd, Pointer buf, @size_t long count);
    /** io_uring_setup(entries, params) (FUSE over io_uring: fuse.direct.Ring). */
    long syscall(long number, int entries, Pointer params);
    /** io_uring_enter(fd, to_submit, min_complete, flags, sig, sigsz). */
    long syscall(long number, int fd, int toSubmit, int minComplete, int flags, long sig, long sigsz);
    /** (a Java long for the address made jnr-ffi pass the arguments wrongly: EINVAL even for anonymous maps) */
    Pointer mmap(Pointer addr, @size_t long length, int prot, int flags, int fd, @jnr.ffi.types.off_t long offset);
    int munmap(Pointer addr, @size_t long length);
    int sched_setaffinity(int pid, @size_t long size, Pointer mask);
    int sched_setscheduler(int pid, int policy, Pointer param);
    int umask(int mask);
    int getuid();
    int geteuid();
    int getegid();
    int dup2(int oldfd, int newfd);
    int access(@In @NulTerminate byte[] path, int mode);
    int openat(int dirfd, @In @NulTerminate byte[] path, int flags, int mode);
    int mkdirat(int dirfd, @In @NulTerminate byte[] path, int mode);
    int unlinkat(int dirfd, @In @NulTerminate byte[] path, int flags);
    int mknodat(int dirfd, @In @NulTerminate byte[] path, int mode, long dev);
    int symlinkat(@In @NulTerminate byte[] target, int dirfd, @In @NulTerminate byte[] linkpath);
    int linkat(int olddirfd, @In @NulTerminate byte[] oldpath, int newdirfd, @In @NulTerminate byte[] newpath, int flags);
    @ssize_t long readlinkat(int dirfd, @In @NulTerminate byte[] path, @Out byte[] buf, @size_t long size);
    int fchmodat(int dirfd, @In @NulTerminate byte[] path, int mode, int flags);
    int fchownat(int dirfd, @In @NulTerminate byte[] path, int uid, int gid, int flags);
    int flock(int fd, int operation);
    /** For openat2(2) (number 437 on x86_64), which glibc 2.36 does not wrap. */
    long syscall(long number, int dirfd, @In @NulTerminate byte[] path, Pointer how, long size);
    String strerror(int errnum);
    String realpath(@In @NulTerminate byte[] path, Pointer resolved);
    /** struct file_handle {u32 handle_bytes; int handle_type; u8 f_handle[]}; mountId is an int out. */
    int name_to_handle_at(int dirfd, @In @NulTerminate byte[] path, Pointer handle, @Out int[] mountId, int flags);
    int open_by_handle_at(int mountFd, Pointer handle, int flags);
    int ioctl(int fd, long request, Pointer arg);
    /** struct pollfd {int fd; short events; short revents;}. */
    int poll(Pointer fds, long nfds, int timeout);
}
