"""Load the installed spatialhealth QGIS plugin headless and run one algorithm (system python3).

usage: python3 plugin_probe.py PLUGINS_DIR ALGORITHM PARAMS_JSON OUTPUT_URI
prints JSON: plugin loaded, provider algorithms, the algorithm's result and the
renderer of the output layer as QGIS opens it.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)


class Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.lines = []

    def pushInfo(self, info):  # noqa: N802
        self.lines.append(info)

    def pushConsoleInfo(self, info):  # noqa: N802
        self.lines.append(info)

    def pushCommandInfo(self, info):  # noqa: N802
        self.lines.append("CMD " + info)


def main(plugins_dir, alg_id, params, output_uri):
    sys.path.append(os.path.join(QgsApplication.pkgDataPath(), "python", "plugins"))
    import qgis.utils
    from processing.core.Processing import Processing

    Processing.initialize()
    sys.path.insert(0, plugins_dir)
    qgis.utils.plugin_paths.insert(0, plugins_dir)
    qgis.utils.updateAvailablePlugins()
    loaded = qgis.utils.loadPlugin("spatialhealth_qgis")
    started = qgis.utils.startProcessingPlugin("spatialhealth_qgis")
    provider = QgsApplication.processingRegistry().providerById("spatialhealth")
    algs = sorted(a.id() for a in provider.algorithms()) if provider else []
    import threading
    import time

    import processing

    # PROBE_EXISTING_LAYER: a layer of that name is already in the project (unique names)
    existing = os.environ.get("PROBE_EXISTING_LAYER")
    if existing:
        QgsProject.instance().addMapLayer(QgsVectorLayer("Point?crs=EPSG:4326", existing, "memory"))
    fb = Feedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    cancel_after = float(os.environ.get("PROBE_CANCEL_AFTER", "0") or 0)
    if cancel_after:
        threading.Timer(cancel_after, fb.cancel).start()
    started_at = time.monotonic()
    error = None
    result = {}
    try:
        result = processing.run(alg_id, params, context=context, feedback=fb)
    except QgsProcessingException as exc:
        error = str(exc)
    elapsed = time.monotonic() - started_at
    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    meta = {"groups": sorted({a.group() for a in provider.algorithms()}) if provider else [],
            "provider_icon": provider.svgIconPath() if provider else "",
            "alg_icon": alg.svgIconPath() if alg else "",
            "loaded_names": [lyr.name() for lyr in context.temporaryLayerStore().mapLayers().values()]}
    if error is not None:
        return {"loaded": loaded, "started": started, "algorithms": algs, "error": error,
                "elapsed": elapsed, "log": fb.lines[-30:], **meta}
    layer = QgsVectorLayer(output_uri, "out", "ogr")
    r = layer.renderer()
    out = {"loaded": loaded, "started": started, "algorithms": algs, "elapsed": elapsed,
           "result": {k: str(v) for k, v in result.items()}, "log": fb.lines[-30:],
           "valid": layer.isValid(), "renderer": r.type() if r else None,
           "features": layer.featureCount(), **meta}
    if r is None:  # a table (e.g. ERGM coefficients)
        out["fields"] = [f.name() for f in layer.fields()]
        out["rows"] = [[str(v) for v in f.attributes()] for f in layer.getFeatures()]
    elif r.type() == "categorizedSymbol":
        out["attr"] = r.classAttribute()
        out["categories"] = {str(c.value()): c.symbol().color().name() for c in r.categories()}
        idx = layer.fields().indexOf(r.classAttribute())
        counts = {}
        for f in layer.getFeatures():
            counts[f.attributes()[idx]] = counts.get(f.attributes()[idx], 0) + 1
        out["counts"] = counts
    elif r.type() == "graduatedSymbol":
        out["attr"] = r.classAttribute()
        out["ranges"] = [[rg.lowerValue(), rg.upperValue(), rg.symbol().color().name()] for rg in r.ranges()]
    del layer
    return out


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    try:
        res = main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4])
        print(json.dumps(res))
    finally:
        QgsProject.instance().clear()
        app.exitQgis()
