package dev.fuseoverlay.cli;

import dev.fuseoverlay.layer.Layer;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.realfs.RealFs;
import dev.fuseoverlay.study.LayerReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "layers", aliases = "df", description = {"Per layer: files, bytes, whiteouts, and what is hidden.",
        "Hidden: shadowed by a layer above or deleted. With --mount, several mounts and the layers they share."})
final class LayersCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    HelpOption help;

    @Mixin
    LayerOptions layers;

    @Option(names = "--mount", paramLabel = "OPTIONS", description = "the options of a further mount to report (repeatable)")
    List<String> more = new ArrayList<>();

    @Override
    public Integer call() {
        List<Overlay> mounts = new ArrayList<>();
        mounts.add(layers.overlay());
        for (String m : more) {
            mounts.add(layers.overlay(List.of(m)));
        }
        Map<String, Integer> uses = new LinkedHashMap<>();
        for (Overlay ov : mounts) {
            for (Layer l : ov.layers().all()) {
                uses.merge(l.root(), 1, Integer::sum);
            }
        }
        for (int i = 0; i < mounts.size(); i++) {
            new LayerReport(mounts.get(i), layers.fs).lines(mounts.size() == 1 ? "layers:" : "mount " + (i + 1) + ":")
                    .forEach(System.out::println);
        }
        if (mounts.size() > 1) {
            System.out.println("shared layers:");
            uses.forEach((root, n) -> {
                if (n > 1) {
                    System.out.println("  " + RealFs.printable(root) + "  used by " + n + " mounts, stored once");
                }
            });
        }
        return 0;
    }
}
