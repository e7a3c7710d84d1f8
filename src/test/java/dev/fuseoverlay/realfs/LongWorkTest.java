package dev.fuseoverlay.realfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A copy of a large file's data announces itself as long work (the engine lets another thread read meanwhile); a small one does not. */
class LongWorkTest {
    @TempDir
    Path dir;
    private final RealFs fs = new RealFs(null);
    private final AtomicInteger announced = new AtomicInteger();

    @AfterEach
    void noHookLeftBehind() {
        LongWork.onThisThread(null);
    }

    private byte[] copy(int size) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        Path src = dir.resolve("src" + size);
        Path dst = dir.resolve("dst" + size);
        Files.write(src, data);
        int in = fs.open(src.toString(), Native.O_RDONLY);
        int out = fs.create(dst.toString(), Native.O_WRONLY, 0644);
        try {
            fs.copyData(in, out, size, true);
        } finally {
            fs.close(in);
            fs.close(out);
        }
        return Files.readAllBytes(dst);
    }

    @Test
    void onlyALargeCopyIsAnnounced() throws Exception {
        LongWork.onThisThread(announced::incrementAndGet);
        copy(4096);
        assertEquals(0, announced.get(), "a 4 KiB copy is not long work");
        int large = (int) RealFs.LONG_COPY + 4096;
        byte[] copied = copy(large);
        assertEquals(1, announced.get(), "a copy of more than 1 MiB is announced once, before it starts");
        byte[] expected = new byte[large];
        new Random(large).nextBytes(expected);
        assertArrayEquals(expected, copied);
    }

    @Test
    void aThreadWithoutAHookJustCopies() throws Exception {
        LongWork.onThisThread(announced::incrementAndGet);
        int[] copied = {-1};
        Thread t = new Thread(() -> {
            try {
                copied[0] = copy((int) RealFs.LONG_COPY * 2).length;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        t.join();
        assertEquals((int) RealFs.LONG_COPY * 2, copied[0]);
        assertEquals(0, announced.get(), "the hook is per thread");
    }
}
