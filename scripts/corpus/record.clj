;; Records the corpus's expected answers with JVM Clojure, all programs in this one JVM:
;; for each FILE.clj (sorted by path) it loads the file, calls its namespace's -main with *out*
;; bound to a StringWriter and writes what -main printed to FILE.out. A program that throws, prints
;; while loading, or runs past the time limit gets no .out (a stale one is removed) and is named
;; in the summary, which then exits 1: such a program does not belong in the corpus.
;; With --names FILE it also writes FILE: every clojure.* var, special form and JVM class member
;; the programs use, with how many programs use it: what Yin has to provide.
;; Usage: clojure scripts/corpus/record.clj [--check] [--names FILE] DIR-OR-FILE...
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

(defn forms-of [file]
  (binding [*ns* (create-ns 'record-corpus.reading)]
    (with-open [r (java.io.PushbackReader. (io/reader file))]
      (doall (take-while #(not= ::eof %) (repeatedly #(read {:eof ::eof :read-cond :allow} r)))))))

(defn names-used
  "The clojure.* vars, special forms and interop members that a program's source names (outside quoted data)."
  [file]
  (let [ns-obj (find-ns (ns-of file))
        walk (fn walk [acc x]
               (cond
                 (and (seq? x) (= 'quote (first x))) acc
                 (coll? x) (reduce walk acc (if (map? x) (mapcat identity x) x))
                 (symbol? x)
                 (let [n (name x) nsp (namespace x)
                       v (try (ns-resolve ns-obj x) (catch Exception _ nil))]
                   (cond
                     (special-symbol? x) (conj acc ["special" (str x)])
                     (and (var? v) (str/starts-with? (str (.-ns ^clojure.lang.Var v)) "clojure."))
                     (conj acc ["var" (str (.-ns ^clojure.lang.Var v) "/" (.-sym ^clojure.lang.Var v))])
                     (and (class? v) (not (str/starts-with? (.getName ^Class v) "corpus"))) (conj acc ["interop" n])
                     (and nsp (class? (try (ns-resolve ns-obj (symbol nsp)) (catch Exception _ nil)))) (conj acc ["interop" (str x)])
                     (and (str/starts-with? n ".") (> (count n) 1) (not= n "..")) (conj acc ["interop" n])
                     (and (str/ends-with? n ".") (> (count n) 1) (not nsp)) (conj acc ["interop" n])
                     :else acc))
                 :else acc))]
    (reduce walk #{} (rest (forms-of file)))))

(defn write-names [files out]
  (let [uses (for [f files :when (find-ns (ns-of f)) u (names-used f)] [u (str/replace (.getName f) #"\.clj$" "")])
        by (group-by first uses)
        rows (sort-by (fn [[[kind n] us]] [(- (count us)) kind n]) by)]
    (spit out (apply str "kind\tname\tprograms\texamples\n"
                     (for [[[kind n] us] rows]
                       (str kind "\t" n "\t" (count us) "\t" (str/join " " (take 3 (sort (map second us)))) "\n"))))))

(let [args *command-line-args*
      check (some #{"--check"} args)
      names-file (second (drop-while #(not= "--names" %) args))
      dirs (remove #{"--check" "--names" names-file} args)
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
  (when (and names-file (not check))
    (write-names files (io/file names-file)))
  (doseq [r failed] (println "FAILED" (str (:file r)) "-" (:error r)))
  (doseq [r slow] (println "SLOW" (str (:file r)) (:ms r) "ms"))
  (println (format "%s %d programs with Clojure %s: %d failed, %d slower than %d ms%s"
                   (if check "checked" "recorded") (count results) (clojure-version) (count failed) (count slow) slow-ms
                   (if check (str ", " (count differs) " differ from their .out") "")))
  (shutdown-agents)
  (System/exit (if (or (seq failed) (seq differs)) 1 0)))
