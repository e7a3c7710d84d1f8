package dev.fuseoverlay.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class TarTest {
    static byte[] archive(TarEntry... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(b);
        for (TarEntry e : entries) {
            byte[] data = new byte[(int) e.size];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) ('a' + i % 26);
            }
            w.write(e, new ByteArrayInputStream(data));
        }
        w.finish();
        return b.toByteArray();
    }

    static TarEntry entry(String name, char type, long size) {
        TarEntry e = new TarEntry(name, type);
        e.size = size;
        e.mode = 0755;
        e.uid = 1000;
        e.gid = 100;
        e.mtime = 1_700_000_000L;
        return e;
    }

    @Test
    void roundTripKeepsEverythingIncludingLongNamesBigIdsAndXattrs() throws IOException {
        String longName = "d/" + "x".repeat(150) + "/\u00e9\u00e8-bytes";
        TarEntry file = entry(longName, TarEntry.FILE, 70000);
        file.uid = 3_000_000_000L; // beyond octal's 7 digits: PAX
        file.xattrs.put("user.note", new byte[] {0, 1, 2, (byte) 0xff, '\n'});
        file.xattrs.put("security.capability", "caps".getBytes(StandardCharsets.ISO_8859_1));
        TarEntry dir = entry("d/", TarEntry.DIR, 0);
        TarEntry link = entry("d/l", TarEntry.SYMLINK, 0);
        link.linkName = "/" + "t".repeat(200);
        TarEntry hard = entry("d/h", TarEntry.HARDLINK, 0);
        hard.linkName = longName;
        TarEntry fifo = entry("d/p", TarEntry.FIFO, 0);
        TarEntry dev = entry("d/null", TarEntry.CHAR, 0);
        dev.devMajor = 1;
        dev.devMinor = 3;

        TarReader r = new TarReader(new ByteArrayInputStream(archive(dir, file, link, hard, fifo, dev)));
        TarEntry e = r.next();
        assertEquals("d/", e.name);
        assertEquals(TarEntry.DIR, e.type);
        e = r.next();
        assertEquals(longName, e.name);
        assertEquals(70000, e.size);
        assertEquals(3_000_000_000L, e.uid);
        assertEquals(100, e.gid);
        assertEquals(0755, e.mode);
        assertEquals(1_700_000_000L, e.mtime);
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff, '\n'}, e.xattrs.get("user.note"));
        byte[] data = r.data().readAllBytes();
        assertEquals(70000, data.length);
        assertEquals('a' + 69999 % 26, data[69999]);
        e = r.next();
        assertEquals(link.linkName, e.linkName);
        e = r.next();
        assertEquals(TarEntry.HARDLINK, e.type);
        assertEquals(longName, e.linkName);
        assertEquals(TarEntry.FIFO, r.next().type);
        e = r.next();
        assertEquals(TarEntry.CHAR, e.type);
        assertEquals(1, e.devMajor);
        assertEquals(3, e.devMinor);
        assertNull(r.next());
    }

    @Test
    void unreadDataIsSkipped() throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(archive(entry("a", TarEntry.FILE, 1000), entry("b", TarEntry.FILE, 3))));
        assertEquals("a", r.next().name);
        TarEntry b = r.next();
        assertEquals("b", b.name);
        assertEquals("abc", new String(r.data().readAllBytes(), StandardCharsets.US_ASCII));
    }

    @Test
    void anArchiveCutShortAtAMemberBoundaryIsRefusedWhereItsEndIsRequired() throws IOException {
        byte[] whole = archive(entry("a", TarEntry.FILE, 3), entry("b", TarEntry.FILE, 0));
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 1024); // without the two end blocks
        TarReader lenient = new TarReader(new ByteArrayInputStream(cut));
        assertEquals("a", lenient.next().name);
        assertEquals("b", lenient.next().name);
        assertNull(lenient.next(), "other tools' archives may end without the end blocks");
        TarReader strict = new TarReader(new ByteArrayInputStream(cut)).requireEnd();
        assertEquals("a", strict.next().name);
        assertEquals("b", strict.next().name);
        assertTrue(assertThrows(IOException.class, strict::next).getMessage().contains("cut short"));
        TarReader complete = new TarReader(new ByteArrayInputStream(whole)).requireEnd();
        assertEquals("a", complete.next().name);
        assertEquals("b", complete.next().name);
        assertNull(complete.next());
    }

    @Test
    void gzipIsRecognisedAndOtherCompressorsAreNamed() throws IOException {
        byte[] tar = archive(entry("a", TarEntry.FILE, 5));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(tar);
        }
        InputStream in = TarReader.decompress(new ByteArrayInputStream(gz.toByteArray()));
        assertArrayEquals(tar, in.readAllBytes());
        assertArrayEquals(tar, TarReader.decompress(new ByteArrayInputStream(tar)).readAllBytes());
        IOException xz = assertThrows(IOException.class, () -> TarReader.decompress(
                new ByteArrayInputStream(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 0})));
        assertTrue(xz.getMessage().contains("unxz"), xz.getMessage());
    }

    @Test
    void garbageIsNotATar() {
        byte[] junk = new byte[1024];
        junk[0] = 'x';
        IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(junk)).next());
        assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
    }

    @Test
    void aBrokenPaxNumberIsAOneLineError() throws IOException {
        TarEntry big = entry("f", TarEntry.FILE, 1);
        big.uid = 3_000_000_000L; // beyond octal: written as a PAX record
        byte[] tar = archive(big);
        String text = new String(tar, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("uid=3000000000");
        assertTrue(at > 0);
        tar[at + 8] = 'x';
        IOException e = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(tar)).next());
        assertEquals("bad PAX uid \"3000x00000\" (not a tar archive, or a damaged one)", e.getMessage());
    }

    @Test
    void base256AndOctalNumbers() {
        byte[] h = new byte[12];
        h[0] = (byte) 0x80;
        h[10] = 0x01;
        h[11] = 0x02;
        assertEquals(0x0102, TarReader.number(h, 0, 12));
        byte[] o = "  0000755 \0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0755, TarReader.number(o, 0, o.length));
    }

    @Test
    void paxRecordLengthCountsItself() throws IOException {
        for (int n = 1; n < 300; n++) {
            StringBuilder sb = new StringBuilder();
            TarWriter.record(sb, "path", "p".repeat(n));
            String rec = sb.toString();
            assertEquals(Integer.parseInt(rec.substring(0, rec.indexOf(' '))), rec.length(), rec);
            Map<String, String> out = new HashMap<>();
            TarReader.parsePax(rec.getBytes(StandardCharsets.ISO_8859_1), out, new HashMap<>());
            assertEquals("p".repeat(n), out.get("path"));
        }
    }
}
