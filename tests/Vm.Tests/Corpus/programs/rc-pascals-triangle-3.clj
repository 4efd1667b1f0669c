;; Source: Rosetta Code, task "Pascals triangle" (https://rosettacode.org/wiki/Pascals_triangle), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Pascals-triangle/Clojure/pascals-triangle-3.clj and pascals-triangle-5.clj
;;   (commit b83f43371409b15da635177a7e9db7ffbca38ae5).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-pascals-triangle-3; the usage line (pascals-triangle-5.clj) is printed by -main.
(ns corpus.rc-pascals-triangle-3)

(def pascal
  (iterate
    (fn [prev-row]
      (->>
        (concat [[(first prev-row)]] (partition 2 1 prev-row) [[(last prev-row)]])
        (map (partial apply +) ,,,)))
     [1]))

(defn -main []
  (prn (take 10 pascal)) ; returns a list of the first 10 pascal rows
  )
