;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), dot-product.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-dot-product; the top-level call is printed by -main.
(ns corpus.rcs-dot-product)

;; Task
;; @see https://rosettacode.org/wiki/Dot_product

(defn dot-product [v1 v2]
  {:pre [(= (count v1) (count v2))]} ; each vector must be the same length
  (apply + (map * v1 v2)))
  

(defn -main []
  (prn (dot-product [1 3 -5] [4 -2 -1])))
