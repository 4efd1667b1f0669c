;; Source: Rosetta Code, task "Angle difference between two bearings" (https://rosettacode.org/wiki/Angle_difference_between_two_bearings), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Angle-difference-between-two-bearings/Clojure/angle-difference-between-two-bearings.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-angle-difference; the top-level calls are printed by -main.
(ns corpus.rc-angle-difference)

(defn angle-difference [a b]
  (let [r (mod (- b a) 360)]
    (if (>= r 180)
      (- r 360)
      r)))

(defn -main []
  (prn (angle-difference 20 45))  ; 25
  (prn (angle-difference -45 45)) ; 90
  (prn (angle-difference -85 90)) ; 175
  (prn (angle-difference -95 90)) ; -175
  (prn (angle-difference -70099.74 29840.67)) ; -139.59
  )
