package dev.fuseoverlay.whiteout;

import dev.fuseoverlay.realfs.RealFs.FileHandle;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The kernel's {@code struct ovl_fb}: how overlayfs names a real object in {@code trusted.overlay.origin},
 * {@code trusted.overlay.upper} and the names of {@code workdir/index/} entries.
 *
 * <pre>
 * u8 version (0) | u8 magic (0xfb) | u8 len (21 + fid bytes) | u8 flags | u8 fid type | uuid[16] | fid
 * </pre>
 *
 * flags: bit 0 big-endian encoder, bit 1 any endianness, bit 2 the object is in the upper layer. The uuid is
 * the real filesystem's {@code s_uuid}; type and fid are what name_to_handle_at(2) returns for the object.
 * An index entry's name is the hex (lowercase) of the whole value.
 */
public record OriginHandle(int flags, byte[] uuid, FileHandle handle) {
    public static final int HEADER = 21;
    public static final int FLAG_BIG_ENDIAN = 1, FLAG_ANY_ENDIAN = 2, FLAG_PATH_UPPER = 4;
    private static final int MAGIC = 0xfb;

    /** The handle of a lower object ({@code upper=false}) or of an upper one (the index dir's "upper" xattr). */
    public static OriginHandle of(byte[] uuid, FileHandle handle, boolean upper) {
        if (uuid.length != 16) {
            throw new IllegalArgumentException("uuid must be 16 bytes");
        }
        return new OriginHandle(upper ? FLAG_PATH_UPPER : 0, uuid.clone(), handle);
    }

    /** The xattr value. */
    public byte[] encode() {
        byte[] fid = handle.bytes();
        if (HEADER + fid.length > 255) {
            throw new IllegalArgumentException("file handle too long for ovl_fb: " + fid.length);
        }
        byte[] b = new byte[HEADER + fid.length];
        b[0] = 0;
        b[1] = (byte) MAGIC;
        b[2] = (byte) b.length;
        b[3] = (byte) flags;
        b[4] = (byte) handle.type();
        System.arraycopy(uuid, 0, b, 5, 16);
        System.arraycopy(fid, 0, b, HEADER, fid.length);
        return b;
    }

    /** The name of this object's entry in {@code workdir/index/}. */
    public String indexName() {
        return HexFormat.of().formatHex(encode());
    }

    /**
     * Reads an xattr value as the kernel does (ovl_check_fb_len): version 0, magic, consistent length, known
     * flags, this machine's (little-endian) byte order unless marked any-endian. Null when it is not one.
     */
    public static OriginHandle decode(byte[] v) {
        if (v == null || v.length < HEADER || v[0] != 0 || (v[1] & 0xff) != MAGIC || (v[2] & 0xff) != v.length) {
            return null;
        }
        int flags = v[3] & 0xff;
        if ((flags & ~(FLAG_BIG_ENDIAN | FLAG_ANY_ENDIAN | FLAG_PATH_UPPER)) != 0) {
            return null;
        }
        if ((flags & FLAG_BIG_ENDIAN) != 0 && (flags & FLAG_ANY_ENDIAN) == 0) {
            return null;
        }
        return new OriginHandle(flags, Arrays.copyOfRange(v, 5, HEADER),
                new FileHandle(v[4] & 0xff, Arrays.copyOfRange(v, HEADER, v.length)));
    }

    public boolean upper() {
        return (flags & FLAG_PATH_UPPER) != 0;
    }

    /** Same object: same filesystem uuid, handle type and bytes (flags aside, as the kernel compares). */
    public boolean sameObject(OriginHandle o) {
        return o != null && Arrays.equals(uuid, o.uuid) && handle.type() == o.handle.type()
                && Arrays.equals(handle.bytes(), o.handle.bytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OriginHandle h && h.flags == flags && sameObject(h);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return indexName();
    }
}
