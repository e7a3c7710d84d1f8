package dev.fuseoverlay.runtime;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code -t}: a new pseudo-terminal for the container. The command gets the slave as its controlling
 * terminal in a session of its own ({@code setsid --ctty}), so Ctrl-C, Ctrl-Z and job control act inside the
 * container only; this side puts the user's terminal in raw mode and copies bytes both ways, and passes
 * window size changes on.
 */
final class Pty implements AutoCloseable {
    final int master;
    final String slave;
    private byte[] savedTermios;
    private Thread out;

    private Pty(int master, String slave) {
        this.master = master;
        this.slave = slave;
    }

    static Pty open() {
        int fd = Posix.C.posix_openpt(Posix.O_RDWR | Posix.O_NOCTTY);
        if (fd < 0 || Posix.C.grantpt(fd) != 0 || Posix.C.unlockpt(fd) != 0) {
            throw new RuntimeException125("cannot allocate a pseudo-terminal: " + Posix.error());
        }
        byte[] name = new byte[128];
        if (Posix.C.ptsname_r(fd, name, name.length) != 0) {
            throw new RuntimeException125("cannot allocate a pseudo-terminal: " + Posix.error());
        }
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        Pty p = new Pty(fd, new String(name, 0, len, StandardCharsets.ISO_8859_1));
        p.resize();
        return p;
    }

    /** Gives the container's terminal the size of ours. */
    void resize() {
        byte[] ws = new byte[8];
        for (int fd = 0; fd <= 2; fd++) {
            if (Posix.C.isatty(fd) == 1 && Posix.C.ioctl(fd, Posix.TIOCGWINSZ, ws) == 0) {
                Posix.C.ioctl(master, Posix.TIOCSWINSZ, ws);
                return;
            }
        }
    }

    /** Raw mode on our terminal (if stdin is one), then the two copying threads. */
    void start() {
        if (Posix.C.isatty(0) == 1) {
            byte[] t = new byte[Posix.TERMIOS_SIZE];
            if (Posix.C.tcgetattr(0, t) == 0) {
                savedTermios = t.clone();
                Posix.C.cfmakeraw(t);
                Posix.C.tcsetattr(0, Posix.TCSANOW, t);
                Runtime.getRuntime().addShutdownHook(new Thread(this::restore));
            }
        }
        out = new Thread(() -> {
            byte[] buf = new byte[1 << 14];
            OutputStream o = new FileOutputStream(FileDescriptor.out);
            try {
                long n;
                while ((n = Posix.C.read(master, buf, buf.length)) > 0) {
                    o.write(buf, 0, (int) n);
                    o.flush();
                }
            } catch (IOException e) {
                // our stdout is gone
            }
        }, "pty-out");
        out.setDaemon(true);
        out.start();
        Thread in = new Thread(() -> {
            byte[] buf = new byte[1 << 14];
            InputStream i = new FileInputStream(FileDescriptor.in);
            try {
                int n;
                while ((n = i.read(buf)) > 0) {
                    writeAll(n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
                }
                writeAll(new byte[] {4}); // end of our input: an end-of-file for the container's reader
            } catch (IOException e) {
                // stdin closed
            }
        }, "pty-in");
        in.setDaemon(true);
        in.start();
    }

    private void writeAll(byte[] b) {
        int off = 0;
        while (off < b.length) {
            byte[] chunk = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, b.length);
            long w = Posix.C.write(master, chunk, chunk.length);
            if (w <= 0) {
                return;
            }
            off += (int) w;
        }
    }

    /** Waits (a little) for the container's last output to be copied. */
    void drain() {
        if (out != null) {
            try {
                out.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    synchronized void restore() {
        if (savedTermios != null) {
            Posix.C.tcsetattr(0, Posix.TCSANOW, savedTermios);
            savedTermios = null;
        }
    }

    @Override
    public void close() {
        restore();
    }
}
