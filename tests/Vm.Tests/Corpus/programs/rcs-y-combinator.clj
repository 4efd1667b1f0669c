;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), y-combinator.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-y-combinator; the top-level calls are printed by -main.
(ns corpus.rcs-y-combinator)

;; Task
;; @see https://rosettacode.org/wiki/Y_combinator

(defn Y [f]
  ((fn [x] (x x))
   (fn [x] (f #((x x) %)))))

(defn factorial [f]
  (fn [n]
    (if (zero? n)
      1
      (* n (f (dec n))))))

(defn fibonacci [f]
  (fn [n]
    (condp = n
      0 1
      1 1
      (+ (f (- n 2))
         (f (- n 1))))))

(defn -main []
  (prn ((Y factorial) 10))
  (prn (map (Y fibonacci) (range 10))))
