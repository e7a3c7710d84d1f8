package dev.fuseoverlay.ops;

/** Who asks for a new object: its owner ids (the caller's fsuid/fsgid), as the kernel gives them. */
public record Caller(int uid, int gid) {
    public static final Caller ROOT = new Caller(0, 0);
}
