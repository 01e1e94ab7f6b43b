# Reference values for spatialhealth.networks.qap from R sna (netlm, netlogit, gcor + qaptest).
# Run from this directory:  Rscript qap_sna_reference.R   (writes qap_sna_reference.json and
# the Coleman CSVs). Inputs: the tiny CSVs written by make_qap_tiny.py, the 88-city mobility
# network of spatialhealth/data/ergm/ and its covariates in tests/data/ergm/.
suppressMessages(library(sna))
library(jsonlite)

rd <- function(f) unname(as.matrix(read.csv(f, header = FALSE)))
ergm_data <- "../../../spatialhealth/data/ergm"
ergm_tests <- "../ergm"

# --- inputs ------------------------------------------------------------------------
tiny_y <- rd("qap_tiny_y.csv"); tiny_ysym <- rd("qap_tiny_ysym.csv")
tiny_x1 <- rd("qap_tiny_x1.csv"); tiny_x2 <- rd("qap_tiny_x2.csv")
tiny_x1s <- (tiny_x1 + t(tiny_x1)) / 2
tiny_yb <- (tiny_y >= 3) * 1

data(coleman)
fall <- coleman[1, , ]; spring <- coleman[2, , ]
write.table(fall, "qap_coleman_fall.csv", sep = ",", row.names = FALSE, col.names = FALSE)
write.table(spring, "qap_coleman_spring.csv", sep = ",", row.names = FALSE, col.names = FALSE)

nodes <- read.csv(file.path(ergm_data, "mobility88_nodes.csv"))
edges <- read.csv(file.path(ergm_data, "mobility88_edges.csv"))
n88 <- nrow(nodes)
mob <- matrix(0, n88, n88); mob[cbind(edges$from, edges$to)] <- 1
geo_prox <- rd(file.path(ergm_tests, "mobility88_geo_prox.csv"))
same_dialect <- rd(file.path(ergm_tests, "mobility88_same_dialect.csv"))
hth_in <- matrix(nodes$HTH, n88, n88, byrow = TRUE)          # receiver's HTH (column j)
gdp_absdiff <- abs(outer(nodes$GDP, nodes$GDP, "-"))         # |GDP_i - GDP_j|
mob_x <- list(geo_prox, same_dialect, hth_in, gdp_absdiff)
mob_names <- c("(intercept)", "geo_prox", "same_dialect", "hth_in", "gdp_absdiff")

qs <- c(0.05, 0.25, 0.5, 0.75, 0.95)
dist_q <- function(d) unname(apply(d, 2, quantile, probs = qs, names = FALSE))

lm_case <- function(y, x, names, mode, nullhyp, reps, seed) {
  set.seed(seed)
  t0 <- proc.time()[["elapsed"]]
  f <- netlm(y, x, mode = mode, nullhyp = nullhyp, reps = reps)
  el <- proc.time()[["elapsed"]] - t0
  rss <- sum(f$residuals^2)
  list(fun = "netlm", mode = mode, nullhyp = nullhyp, reps = reps, seed = seed,
       names = names, coefficients = unname(f$coefficients), tstat = unname(f$tstat),
       se = unname(f$coefficients / f$tstat), df_residual = f$df.residual,
       sigma = sqrt(rss / f$df.residual),
       pleeq = f$pleeq, pgreq = f$pgreq, pgreqabs = f$pgreqabs,
       dist_quantile_probs = qs, dist_quantiles = dist_q(f$dist), seconds = el)
}
logit_case <- function(y, x, names, mode, nullhyp, reps, seed) {
  set.seed(seed)
  t0 <- proc.time()[["elapsed"]]
  f <- netlogit(y, x, mode = mode, nullhyp = nullhyp, reps = reps)
  el <- proc.time()[["elapsed"]] - t0
  list(fun = "netlogit", mode = mode, nullhyp = nullhyp, reps = reps, seed = seed,
       names = names, coefficients = unname(f$coefficients), tstat = unname(f$tstat),
       se = unname(f$se), deviance = f$deviance, null_deviance = f$null.deviance,
       aic = f$aic, bic = f$bic,
       pleeq = f$pleeq, pgreq = f$pgreq, pgreqabs = f$pgreqabs,
       dist_quantile_probs = qs, dist_quantiles = dist_q(f$dist), seconds = el)
}
cor_case <- function(a, b, mode, reps, seed) {
  set.seed(seed)
  q <- qaptest(list(a, b), gcor, g1 = 1, g2 = 2, mode = mode, reps = reps)
  list(fun = "gcor+qaptest", mode = mode, reps = reps, seed = seed, value = q$testval,
       pgreq = q$pgreq, pleeq = q$pleeq, pgreqabs = mean(abs(q$dist) >= abs(q$testval)),
       dist_quantile_probs = qs, dist_quantiles = unname(quantile(q$dist, qs)))
}

tn <- c("(intercept)", "x1", "x2")
cases <- list(
  tiny_netlm_qapspp = lm_case(tiny_y, list(tiny_x1, tiny_x2), tn, "digraph", "qapspp", 5000, 1),
  tiny_netlm_qapy = lm_case(tiny_y, list(tiny_x1, tiny_x2), tn, "digraph", "qapy", 5000, 2),
  tiny_netlm_graph_qapspp = lm_case(tiny_ysym, list(tiny_x1s, tiny_x2), tn, "graph", "qapspp", 5000, 3),
  tiny_netlogit_qapspp = logit_case(tiny_yb, list(tiny_x1, tiny_x2), tn, "digraph", "qapspp", 2000, 4),
  tiny_gcor = cor_case(tiny_y, tiny_x1, "digraph", 5000, 5),
  coleman_netlogit_qapspp = logit_case(spring, fall, c("(intercept)", "fall"), "digraph", "qapspp", 2000, 6),
  coleman_gcor = cor_case(fall, spring, "digraph", 5000, 7),
  mobility88_netlm_qapy = lm_case(mob, mob_x, mob_names, "digraph", "qapy", 2000, 8),
  mobility88_netlogit_qapspp = logit_case(mob, mob_x, mob_names, "digraph", "qapspp", 1000, 9),
  mobility88_gcor = cor_case(mob, geo_prox, "digraph", 2000, 10)
)
out <- list(r_version = R.version.string, sna_version = as.character(packageVersion("sna")),
            created = format(Sys.time(), tz = "UTC", usetz = TRUE), cases = cases)
write_json(out, "qap_sna_reference.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("done\n")
