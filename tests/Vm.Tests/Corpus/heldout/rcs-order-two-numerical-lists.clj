;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), order-two-numerical-lists.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-order-two-numerical-lists; the top-level calls are printed by -main.
(ns corpus.rcs-order-two-numerical-lists)

;; Task
;; @see https://rosettacode.org/wiki/Order_two_numerical_lists

(defn lexicographic-order? [x y]
  (> 1 (compare x y)))

(defn -main []
  (prn (lexicographic-order? [1 2 3] [1 2 4]))
  (prn (lexicographic-order? [1 2 3] [1 2 3 4]))
  (prn (lexicographic-order? [1 2 3 4] [1 2 3])))
