package dev.fuseoverlay.cli;

import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.RealFs;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code -o lowerdir=...,upperdir=...} of the study tools: the layers of a mount, without mounting. */
final class LayerOptions {
    @Option(names = "-o", paramLabel = "OPTIONS", required = true,
            description = "the layers, as for a mount: lowerdir=A:B[,upperdir=U,workdir=W]")
    List<String> options = new ArrayList<>();

    final RealFs fs = new RealFs(null);

    /** A look-only overlay over the given layers (nothing in work is touched). */
    Overlay overlay() {
        return overlay(options);
    }

    Overlay overlay(List<String> opts) {
        MountOptions o = MountOptions.parse(Args.bytes(opts));
        if (o.lowerDirs.isEmpty()) {
            throw new OptionsException("no lowerdir= given");
        }
        Overlay ov = Overlay.inspect(LayerStack.open(o, null, fs), fs, o.userXattr);
        ov.setRedirectDir(o.redirectDir);
        ov.setXino(o.xino);
        ov.setMetacopy(o.metacopy);
        return ov;
    }

    /**
     * A merged path from the command line: absolute, without "." or ".." (resolved within the merged root,
     * as the mount would: "/../etc" is "/etc", never a path beside a layer) or a trailing slash.
     */
    static String mergedPath(String arg) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String c : Args.bytes(arg).split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(c);
            }
        }
        return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
    }
}
