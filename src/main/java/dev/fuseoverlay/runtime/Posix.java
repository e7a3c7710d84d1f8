package dev.fuseoverlay.runtime;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls the launcher needs beyond the core's: signals, terminals, unmount. */
@SaveError
public interface Posix {
    Posix C = LibraryLoader.create(Posix.class).load("c");

    int O_RDWR = 2, O_NOCTTY = 0400;
    int TCSANOW = 0;
    long TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    int MNT_DETACH = 2;
    int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGTERM = 15, SIGWINCH = 28;
    /** glibc's struct termios on Linux: 4 flag words, c_line, 32 control chars, padding, 2 speeds. */
    int TERMIOS_SIZE = 60;

    int kill(int pid, int sig);
    int isatty(int fd);
    int posix_openpt(int flags);
    int grantpt(int fd);
    int unlockpt(int fd);
    int ptsname_r(int fd, @Out byte[] buf, @size_t long len);
    int ioctl(int fd, long request, @In @Out byte[] arg);
    int tcgetattr(int fd, @Out byte[] termios);
    int tcsetattr(int fd, int action, @In byte[] termios);
    void cfmakeraw(@In @Out byte[] termios);
    @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);
    @ssize_t long write(int fd, @In byte[] buf, @size_t long count);
    int close(int fd);
    int umount2(String target, int flags);
    int getuid();
    int getgid();
    int getpid();
    String strerror(int errnum);

    static int errno() {
        return Runtime.getRuntime(C).getLastError();
    }

    static String error() {
        return C.strerror(errno());
    }
}
