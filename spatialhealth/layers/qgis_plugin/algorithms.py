"""Processing algorithms: each runs one spatialhealth command and loads what it wrote.

The GeoPackages written by spatialhealth carry default styles (``layer_styles``),
so the loaded layers appear already styled.
"""

from pathlib import Path

from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingAlgorithm, QgsProcessingContext,
                       QgsProcessingException, QgsProcessingOutputString, QgsProcessingParameterEnum,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterFile, QgsProcessingParameterFileDestination,
                       QgsProcessingParameterFolderDestination, QgsProcessingParameterNumber,
                       QgsProcessingParameterString, QgsProcessingUtils, QgsVectorLayer)
from qgis.PyQt.QtGui import QIcon

from . import runner
from .provider import ICON

#: equal-area CRS the LISA algorithm projects geographic input to for knn weights
KNN_CRS = "ESRI:102025"
#: fields that identify features but never hold an indicator
_ID_FIELDS = ("fid", "ogc_fid", "objectid", "gid")

_FORMATS = ["gpkg", "shp", "geojson", "fgb"]


class _Base(QgsProcessingAlgorithm):
    # no group: the algorithms sit directly under the provider (no "spatialhealth > spatialhealth")
    def group(self):
        return ""

    def groupId(self):  # noqa: N802
        return ""

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):  # noqa: N802
        return ICON

    def createInstance(self):  # noqa: N802
        return type(self)()

    def _source_path(self, parameters, name, context, feedback):
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, _FORMATS, "gpkg", feedback)
        return path, layer

    @staticmethod
    def _unique_title(context, title):
        """``title``, or ``title (2)``, ``(3)`` ... when the project already has that layer name."""
        project = context.project()
        taken = {lyr.name() for lyr in project.mapLayers().values()} if project is not None else set()
        taken |= {lyr.name() for lyr in context.temporaryLayerStore().mapLayers().values()}
        if title not in taken:
            return title
        i = 2
        while f"{title} ({i})" in taken:
            i += 1
        return f"{title} ({i})"

    def _load(self, context, uri, title, output_name, provider="ogr"):
        title = self._unique_title(context, title)
        layer = QgsVectorLayer(uri, title, provider)
        if not layer.isValid():
            raise QgsProcessingException(f"spatialhealth wrote {uri}, but QGIS cannot open it.")
        context.temporaryLayerStore().addMapLayer(layer)
        context.addLayerToLoadOnCompletion(
            layer.id(), QgsProcessingContext.LayerDetails(title, context.project(), output_name))
        return layer.id()


class LisaAlgorithm(_Base):
    WEIGHTS = ["queen", "rook", "knn"]
    ADJUST = ["none", "bonferroni", "fdr"]

    def name(self):
        return "lisa"

    def displayName(self):  # noqa: N802
        return "LISA clusters (local Moran's I)"

    def shortHelpString(self):  # noqa: N802
        return ("Local Moran's I with conditional permutations (spatialhealth map lisa). Writes a "
                "GeoPackage whose layer 'lisa' is styled by cluster in GeoDa's colours: HH red, "
                "LL blue, LH light blue, HL pink, not significant light grey. Region code field: "
                "blank uses 'code' if the layer has it, else the first field with unique values. "
                "knn weights on longitude/latitude input: the regions are first projected to "
                f"{KNN_CRS} (equal-area Albers) so that distances are in metres.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Regions (polygons)", [QgsProcessing.TypeVectorPolygon]))
        # an explicit (empty) default: the dialog does not preselect the first numeric field,
        # which in a GeoPackage is the feature id `fid`
        self.addParameter(QgsProcessingParameterField(
            "FIELD", "Indicator", defaultValue="", parentLayerParameterName="INPUT",
            type=QgsProcessingParameterField.Numeric))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Region code field", defaultValue="code", parentLayerParameterName="INPUT",
            optional=True))
        self.addParameter(QgsProcessingParameterEnum("WEIGHTS", "Spatial weights", options=self.WEIGHTS,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "K", "Neighbours (knn weights)", type=QgsProcessingParameterNumber.Integer,
            defaultValue=4, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            "ADJUST", "Multiple-testing adjustment", options=self.ADJUST, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "PERMUTATIONS", "Permutations", type=QgsProcessingParameterNumber.Integer,
            defaultValue=999, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "ALPHA", "Significance level", type=QgsProcessingParameterNumber.Double,
            defaultValue=0.05, minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Random seed", type=QgsProcessingParameterNumber.Integer, defaultValue=20201101))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "LISA GeoPackage", fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputString("OUTPUT_LAYER", "Loaded layer id"))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        fields = self.parameterAsFields(parameters, "FIELD", context)
        if not fields or not fields[0]:
            return False, "Choose the indicator field to analyse."
        if fields[0].lower() in _ID_FIELDS:
            return False, (f"'{fields[0]}' is the feature id, not an indicator: choose the field "
                           "holding the values to analyse.")
        return super().checkParameterValues(parameters, context)

    def _id_field(self, parameters, context, field):
        source = self.parameterAsSource(parameters, "INPUT", context)
        names = [f.name() for f in source.fields()]
        chosen = [f for f in self.parameterAsFields(parameters, "ID_FIELD", context) if f]
        # a blank field falls back to the default `code`, which the layer may not have
        if chosen and chosen[0] in names:
            return chosen[0]
        if "code" in names:
            return "code"
        n = source.featureCount()
        for i, name in enumerate(names):
            if name == field or name.lower() in _ID_FIELDS:
                continue
            if len(source.uniqueValues(i)) == n:
                return name
        raise QgsProcessingException(
            "The region code field is blank and the layer has no 'code' field nor another field "
            "with a different value in every row: choose the field that identifies the regions.")

    def _projected_for_knn(self, parameters, context, feedback, path, layer):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if not source.sourceCrs().isGeographic():
            return path, layer
        import processing

        feedback.pushInfo(f"knn weights need distances in metres: projecting the regions to {KNN_CRS}.")
        out = QgsProcessingUtils.generateTempFilename("regions_projected.gpkg")
        processing.run("native:reprojectlayer",
                       {"INPUT": parameters["INPUT"], "TARGET_CRS": QgsCoordinateReferenceSystem(KNN_CRS),
                        "OUTPUT": out}, context=context, feedback=feedback, is_child_algorithm=True)
        return out, None

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        path, layer = self._source_path(parameters, "INPUT", context, feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        field = self.parameterAsFields(parameters, "FIELD", context)[0]
        id_field = self._id_field(parameters, context, field)
        weights = self.WEIGHTS[self.parameterAsEnum(parameters, "WEIGHTS", context)]
        if weights == "knn":
            path, layer = self._projected_for_knn(parameters, context, feedback, path, layer)
        args = ["map", "lisa", path, out, "--column", field, "--id", id_field,
                "--weights", weights, "--k", self.parameterAsInt(parameters, "K", context),
                "--adjust", self.ADJUST[self.parameterAsEnum(parameters, "ADJUST", context)],
                "--permutations", self.parameterAsInt(parameters, "PERMUTATIONS", context),
                "--alpha", self.parameterAsDouble(parameters, "ALPHA", context),
                "--seed", self.parameterAsInt(parameters, "SEED", context), "--no-project"]
        if layer:
            args += ["--layer", layer]
        runner.run(args, feedback)
        layer_id = self._load(context, f"{out}|layername=lisa", f"LISA clusters: {field}", "OUTPUT_LAYER")
        return {"OUTPUT": out, "OUTPUT_LAYER": layer_id}


class CentralityAlgorithm(_Base):
    MEASURES = ["pagerank", "betweenness", "in_strength", "out_strength", "in_degree", "out_degree",
                "in_closeness", "out_closeness", "eigenvector", "reciprocity"]

    def name(self):
        return "centrality"

    def displayName(self):  # noqa: N802
        return "Mobility network centrality and flows"

    def shortHelpString(self):  # noqa: N802
        return ("Builds the directed mobility network of an OD table (origin, destination, flow) "
                "and maps a centrality of each city (graduated, sized points) with the largest "
                "flows as lines (width and colour by volume, arrowheads).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "EDGES", "OD table (CSV, Excel, Parquet)", behavior=QgsProcessingParameterFile.File,
            fileFilter="Tables (*.csv *.xlsx *.parquet *.tsv *.txt)"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "NODES", "Cities (points or polygons)",
            [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "CODE", "City code field", defaultValue="code", parentLayerParameterName="NODES",
            optional=True))
        self.addParameter(QgsProcessingParameterString("ORIGIN", "Origin column", defaultValue="origin"))
        self.addParameter(QgsProcessingParameterString("DESTINATION", "Destination column",
                                                       defaultValue="destination"))
        self.addParameter(QgsProcessingParameterString("FLOW", "Flow column", defaultValue="flow"))
        self.addParameter(QgsProcessingParameterEnum("MEASURE", "Centrality", options=self.MEASURES,
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "TOP", "Flow lines to draw (largest; 0 = all)", type=QgsProcessingParameterNumber.Integer,
            defaultValue=200, minValue=0))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Network GeoPackage", fileFilter="GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputString("CITIES_LAYER", "Loaded cities layer id"))
        self.addOutput(QgsProcessingOutputString("FLOWS_LAYER", "Loaded flows layer id"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        edges = self.parameterAsFile(parameters, "EDGES", context)
        nodes, layer = self._source_path(parameters, "NODES", context, feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        code = (self.parameterAsFields(parameters, "CODE", context) or ["code"])[0]
        measure = self.MEASURES[self.parameterAsEnum(parameters, "MEASURE", context)]
        args = ["map", "centrality", edges, nodes, out, "--measure", measure, "--code", code,
                "--origin", self.parameterAsString(parameters, "ORIGIN", context),
                "--destination", self.parameterAsString(parameters, "DESTINATION", context),
                "--flow", self.parameterAsString(parameters, "FLOW", context),
                "--top", self.parameterAsInt(parameters, "TOP", context), "--no-project"]
        if layer:
            args += ["--nodes-layer", layer]
        runner.run(args, feedback)
        flows = self._load(context, f"{out}|layername=flows", "Flows", "FLOWS_LAYER")
        cities = self._load(context, f"{out}|layername=cities", f"Cities: {measure}", "CITIES_LAYER")
        return {"OUTPUT": out, "CITIES_LAYER": cities, "FLOWS_LAYER": flows}


class ErgmAlgorithm(_Base):
    def name(self):
        return "ergm"

    def displayName(self):  # noqa: N802
        return "Fit an ERGM (statnet-style formula)"

    def shortHelpString(self):  # noqa: N802
        return ("Fits an exponential random graph model to an edge list and node table "
                "(spatialhealth ergm) and loads the coefficient table; the summary is in the log "
                "and in ergm_summary.txt of the output folder.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "EDGES", "Edge list (CSV, Excel, Parquet)", fileFilter="Tables (*.csv *.xlsx *.parquet)"))
        self.addParameter(QgsProcessingParameterFile(
            "NODES", "Node table (optional)", optional=True,
            fileFilter="Tables (*.csv *.xlsx *.parquet)"))
        self.addParameter(QgsProcessingParameterString(
            "FORMULA", "Model formula", defaultValue="edges + mutual"))
        self.addParameter(QgsProcessingParameterString("SOURCE", "Sender column", defaultValue="from"))
        self.addParameter(QgsProcessingParameterString("TARGET", "Receiver column", defaultValue="to"))
        self.addParameter(QgsProcessingParameterString("ID", "Node id column", defaultValue="id"))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Random seed", type=QgsProcessingParameterNumber.Integer, defaultValue=20201101))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
        self.addOutput(QgsProcessingOutputString("COEFFICIENTS_LAYER", "Loaded coefficient table id"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        edges = self.parameterAsFile(parameters, "EDGES", context)
        nodes = self.parameterAsFile(parameters, "NODES", context)
        out = self.parameterAsString(parameters, "OUTPUT", context)
        args = ["ergm", edges] + ([nodes] if nodes else []) + [
            "--formula", self.parameterAsString(parameters, "FORMULA", context),
            "--source", self.parameterAsString(parameters, "SOURCE", context),
            "--target", self.parameterAsString(parameters, "TARGET", context),
            "--id", self.parameterAsString(parameters, "ID", context),
            "--seed", self.parameterAsInt(parameters, "SEED", context), "--out", out]
        runner.run(args, feedback)
        csv = Path(out) / "ergm_coefficients.csv"
        uri = f"{csv.as_uri()}?type=csv&detectTypes=yes&geomType=none"
        layer_id = self._load(context, uri, "ERGM coefficients", "COEFFICIENTS_LAYER", "delimitedtext")
        return {"OUTPUT": out, "COEFFICIENTS_LAYER": layer_id}
