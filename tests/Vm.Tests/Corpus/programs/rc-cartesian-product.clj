;; Source: Rosetta Code, task "Cartesian product of two or more lists" (https://rosettacode.org/wiki/Cartesian_product_of_two_or_more_lists), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Cartesian-product-of-two-or-more-lists/Clojure/cartesian-product-of-two-or-more-lists-1.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-cartesian-product; (ns clojure.examples.product ...) renamed; -main prints the task's examples.
(ns corpus.rc-cartesian-product
	(:gen-class)
	(:require [clojure.pprint :as pp]))

(defn cart [colls]
  "Compute the cartesian product of list of lists"
  (if (empty? colls)
    '(())
    (for [more (cart (rest colls))
          x (first colls)]
      (cons x more))))

(defn -main []
  (prn (cart [[1 2] [3 4]]))
  (prn (cart [[3 4] [1 2]]))
  (prn (cart [[1 2] []]))
  (prn (cart [[1776 1789] [7 12] [4 14 23] [0 1]]))
  (prn (cart [[1 2 3] [30] [500 100]])))
