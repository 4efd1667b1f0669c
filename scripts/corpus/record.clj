;; Records the corpus's expected answers with JVM Clojure, all programs in this one JVM:
;; for each FILE.clj (sorted by path) it loads the file, calls its namespace's -main with *out*
;; bound to a StringWriter and writes what -main printed to FILE.out. A program that throws, prints
;; while loading, or runs past the time limit gets no .out (a stale one is removed) and is named
;; in the summary, which then exits 1: such a program does not belong in the corpus.
;; Usage: clojure scripts/corpus/record.clj [--check] DIR...
;;   --check: write nothing; compare with the .out files present (a second run shows determinism).
(ns record-corpus
  (:require [clojure.java.io :as io]
            [clojure.string :as str]))

(def timeout-ms 20000)
(def slow-ms 1000)

(defn ns-of [file]
  (with-open [r (java.io.PushbackReader. (io/reader file))]
    (let [form (read r)]
      (when-not (and (seq? form) (= 'ns (first form)))
        (throw (ex-info "the first form is not (ns ...)" {})))
      (second form))))

(defn run-one [file]
  (let [load-out (java.io.StringWriter.)
        out (java.io.StringWriter.)
        start (System/nanoTime)
        ns-name (ns-of file)
        job (future
              (try
                (binding [*out* load-out] (load-file (str file)))
                (let [main (ns-resolve ns-name '-main)]
                  (when-not main (throw (ex-info "no -main" {})))
                  (binding [*out* out] (main) (flush))
                  nil)
                (catch Throwable t t)))
        result (deref job timeout-ms ::timeout)
        ms (quot (- (System/nanoTime) start) 1000000)]
    (when (= result ::timeout) (future-cancel job))
    {:file file :ms ms :out (str out)
     :error (cond (= result ::timeout) (str "no answer after " timeout-ms " ms")
                  (instance? Throwable result) (str (.getName (class result)) ": " (.getMessage ^Throwable result))
                  (seq (str load-out)) "printed while loading"
                  :else nil)}))

(let [check (= "--check" (first *command-line-args*))
      dirs (if check (rest *command-line-args*) *command-line-args*)
      files (sort-by str (for [d dirs f (file-seq (io/file d))
                                :when (and (.isFile f) (str/ends-with? (.getName f) ".clj"))] f))
      results (doall (for [f files]
                       (let [r (run-one f)
                             out-file (io/file (str/replace (str f) #"\.clj$" ".out"))]
                         (cond
                           (:error r) (when (and (not check) (.exists out-file)) (.delete out-file))
                           check (when-not (and (.exists out-file) (= (slurp out-file) (:out r)))
                                   (println "DIFFERS" (str f)))
                           :else (spit out-file (:out r)))
                         r)))
      failed (filter :error results)
      slow (filter #(and (not (:error %)) (> (:ms %) slow-ms)) results)
      differs (when check (remove #(let [o (io/file (str/replace (str (:file %)) #"\.clj$" ".out"))]
                                     (and (.exists o) (= (slurp o) (:out %)))) (remove :error results)))]
  (doseq [r failed] (println "FAILED" (str (:file r)) "-" (:error r)))
  (doseq [r slow] (println "SLOW" (str (:file r)) (:ms r) "ms"))
  (println (format "%s %d programs with Clojure %s: %d failed, %d slower than %d ms%s"
                   (if check "checked" "recorded") (count results) (clojure-version) (count failed) (count slow) slow-ms
                   (if check (str ", " (count differs) " differ from their .out") "")))
  (shutdown-agents)
  (System/exit (if (or (seq failed) (seq differs)) 1 0)))
