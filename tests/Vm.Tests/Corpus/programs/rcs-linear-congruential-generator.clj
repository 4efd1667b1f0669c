;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), src/rosettacode_solutions/linear_congruential_generator.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-linear-congruential-generator; the commented examples are printed by -main (the last over 100 numbers, not 10,000).
(ns corpus.rcs-linear-congruential-generator)

;; Task
;; @see https://rosettacode.org/wiki/Linear_congruential_generator

(defn lcg [a c m]
  {:pre [(> a 0)
         (>= c 0)
         (> m a)
         (> m c)]}
  (fn [r_n]
    (mod (+ (* a r_n) c) m)))

(defn bsd-formula [n]
  (let [seed 0
        state (lcg 1103515245 12345 2147483647)]
    (nth (iterate state seed) n)))

;;(map bsd-formula (range 1 10))
;;=> (12345 1406938949 178066070 1543701248 427461576 562845833 1609490218 377220791 2040027864)

;;(apply (juxt min max) (map bsd-formula (range 10000)))
;;=> [0 2147386121]

(defn ms-formula [n]
  (let [seed 0
        state (lcg 214013 2531011 2147483647)]
    (quot (nth (iterate state seed) n) 65536)))

;;(map ms-formula (range 1 10))
;;=> (38 7719 22062 24862 18419 7459 11489 21752 14862)

;;(apply (juxt min max) (map ms-formula (range 10000)))
;;=> [0 32767]

(defn -main []
  (prn (map bsd-formula (range 1 10)))
  (prn (map ms-formula (range 1 10)))
  (prn (apply (juxt min max) (map ms-formula (range 100)))))
