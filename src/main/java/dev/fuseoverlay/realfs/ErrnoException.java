package dev.fuseoverlay.realfs;

/**
 * A failed filesystem operation carrying the errno the caller should see. Thrown by the core and turned
 * into {@code -errno} at exactly one place, the FUSE adapter's barrier. No stack trace: it is a result, not a bug.
 */
public final class ErrnoException extends RuntimeException {
    private final int errno;

    public ErrnoException(int errno, String what) {
        super(what, null, false, false);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return super.getMessage() + ": " + Native.strerror(errno);
    }
}
